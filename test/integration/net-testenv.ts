/**
 * What the network integration tests (net-*.test.ts) share: why they skip, and running commands
 * inside a network namespace file.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
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
