/**
 * What the network integration tests (net-*.test.ts) share: why they skip, running commands
 * inside a network namespace file, reaching servers, and test containers' network info.
 */
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { connect, createServer } from "node:net";
import type { EndpointSettings } from "../../src/api/types/network.js";
import type { ContainerNetInfo } from "../../src/network/types.js";
import { defaultNetHelperPath } from "../../src/sys/netHelper.js";
import { defaultProxyPath } from "../../src/network/ports/proxyProcess.js";

/** Why a test driving berth-netlink (and, with `proxy`, berth-proxy) cannot run here, or false. */
export function netTestSkip(opts: { proxy?: boolean; brNetfilter?: boolean } = {}): string | false {
  const helperBin = defaultNetHelperPath();
  const proxyBin = defaultProxyPath();
  if (process.getuid?.() !== 0) return "needs root (netns, bridges, veths, nft)";
  if (!existsSync(helperBin)) return `no berth-netlink at ${helperBin} (make -C native build/berth-netlink)`;
  if (opts.proxy && !existsSync(proxyBin)) return `no berth-proxy at ${proxyBin} (make -C native build/berth-proxy)`;
  if (opts.brNetfilter && !existsSync("/proc/sys/net/bridge/bridge-nf-call-iptables")) return "br_netfilter is not loaded";
  if (spawnSync("nsenter", ["--version"]).status !== 0) return "needs nsenter";
  return false;
}

/** A command in the network namespace `file` (nsenter --net), with its output and error text. */
export function inNs(file: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync("nsenter", [`--net=${file}`, ...args], { encoding: "utf8", timeout: 10_000 });
  return { status: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

/** inNs without blocking: for a DNS server or proxy answering in this process's event loop. */
export function inNsAsync(file: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile("nsenter", [`--net=${file}`, ...args], { encoding: "utf8", timeout: 10_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
}

/**
 * `to` answers a ping from the namespace: up to three single pings, since one lost on a loaded
 * machine (seen beside the other net- tests) is not a fault.
 */
export const ping = (file: string, to: string) => [1, 2, 3].some(() => pingOnce(file, to));

/** One ping, for checks that `to` does NOT answer (a retry would only make them slower). */
export const pingOnce = (file: string, to: string) => inNs(file, ["/bin/busybox", "ping", "-c1", "-W1", to]).status === 0;

export const linkExists = (name: string) => spawnSync("ip", ["link", "show", "dev", name], { stdio: "ignore" }).status === 0;

/** Host ends of the veths attached to a bridge. */
export const portsOf = (br: string) => (JSON.parse(spawnSync("ip", ["-j", "link", "show", "master", br], { encoding: "utf8" }).stdout || "[]") as { ifname: string }[]).map((l) => l.ifname);

/** Connects to host:port until the server in a container answers `want` (it may still be starting). */
export async function fetchText(host: string, port: number, want: string, tries = 20): Promise<string> {
  let got = "";
  for (let i = 0; i < tries && !got.includes(want); i++) {
    got = await new Promise<string>((resolve) => {
      const s = connect(port, host);
      let buf = "";
      s.on("data", (d) => (buf += d.toString()));
      s.on("close", () => resolve(buf));
      s.on("error", () => resolve(""));
      s.setTimeout(1000, () => s.destroy());
    });
    if (!got.includes(want)) await new Promise((r) => setTimeout(r, 50));
  }
  return got;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  const port = await new Promise<number>((r) => srv.listen(0, "127.0.0.1", () => r((srv.address() as { port: number }).port)));
  await new Promise((r) => srv.close(r));
  return port;
}

/** What the network service is told about a test container `<prefix>-c<n>` with a new id. */
export function testContainer(prefix: string, n: number, endpoints: Record<string, EndpointSettings>, more: Partial<ContainerNetInfo> = {}): ContainerNetInfo {
  const id = randomBytes(32).toString("hex");
  return { id, name: `${prefix}-c${n}`, hostname: id.slice(0, 12), endpoints, portBindings: {}, publishAll: false, exposedPorts: [], labels: {}, ...more };
}

/**
 * Whatever a failed test left, by the system tools: the bridges with their ports, the nft
 * tables, mounts on the netns files in `nsDirs`. Each step is best effort.
 */
export function removeTestNetworking(opts: { bridges: readonly string[]; tables: readonly string[]; nsDirs: readonly string[] }): void {
  for (const br of opts.bridges) {
    for (const p of linkExists(br) ? portsOf(br) : []) spawnSync("ip", ["link", "del", p], { stdio: "ignore" });
    spawnSync("ip", ["link", "del", br], { stdio: "ignore" });
  }
  for (const t of opts.tables) spawnSync("nft", ["delete", "table", "inet", t], { stdio: "ignore" });
  for (const d of opts.nsDirs) for (const f of existsSync(d) ? readdirSync(d) : []) spawnSync("umount", ["-l", join(d, f)], { stdio: "ignore" });
}
