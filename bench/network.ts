// Networking benchmark (issue 5), three parts, each side by side with a peer, as ratios:
//  1. per-container network setup and teardown: berth's NetworkService (in-process, through the
//     resident berth-netlink helper) vs the CNI bridge + host-local plugins from Debian's
//     containernetworking-plugins (the "chain of plugin processes per container" path that
//     Podman 3 and Kubernetes use). Target ≤ 5 ms median each.
//  2. container-to-container TCP throughput over a berth bridge (two netns set up by berth,
//     iperf3 from Debian run inside them) vs iperf3 over the host's loopback. Target ≥ 0.9x.
//  3. published-port request latency from the host (new TCP connection per request to
//     127.0.0.1:<port>, busybox httpd in the container): berthd (berth-proxy, and kernel DNAT
//     with --userland-proxy=false) vs Debian's dockerd (docker-proxy). dockerd runs with
//     --iptables=false --bridge=none, so it never touches the host's firewall; both daemons
//     publish from a user-defined bridge network. `--no-docker` skips dockerd.
// Run as root after `npx tsc -p . && make -C native`:
//   node dist/bench/network.js [--n 200] [--seconds 5] [--rounds 5] [--requests 500] [--no-docker]
//     [--only setup|throughput|latency]
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { SqliteDatabase } from "../src/image/metadata/sqlite.js";
import { NetworkService } from "../src/network/NetworkService.js";
import type { ContainerNetInfo } from "../src/network/types.js";
import { NetHelper } from "../src/sys/netHelper.js";
import { copyBusybox, startBerthd, startDockerd, type BenchDaemon } from "./lib/daemons.js";
import { dockerOk } from "./lib/docker.js";
import { Cleanups, median, percentile, phase, printTable } from "./lib/harness.js";

const args = process.argv.slice(2);
const num = (flag: string, dflt: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : dflt);
const N = num("--n", 200);
const SECONDS = num("--seconds", 5);
const REQUESTS = num("--requests", 500);
const NO_DOCKER = args.includes("--no-docker");
// Throughput is noisy on a shared 2-core machine: bridge and loopback runs alternate ROUNDS
// times and the medians are compared, so a burst of other load hits both sides alike.
const ROUNDS = num("--rounds", 5);
// --only setup|throughput|latency runs one part.
const ONLY = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const part = (p: "setup" | "throughput" | "latency") => ONLY === undefined || ONLY === p;
const CNI_DIR = "/usr/lib/cni";

const hex = (n: number) => randomBytes(n).toString("hex");
/** A random /24 in 10.200.0.0/13 (the range berth's tests use), as "10.a.b". */
const randomNet24 = () => `10.${200 + Math.floor(Math.random() * 8)}.${Math.floor(Math.random() * 256)}`;
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

function openDb(path: string): SqliteDatabase & { close(): unknown } {
  const Database = createRequire(import.meta.url)("better-sqlite3") as new (p: string) => SqliteDatabase & { close(): unknown };
  return new Database(path);
}

function info(id: string, network: string): ContainerNetInfo {
  return { id, name: `bench-${id.slice(0, 8)}`, hostname: id.slice(0, 12), endpoints: { [network]: {} }, portBindings: {}, publishAll: false, exposedPorts: [], labels: {} };
}

/** A NetworkService on a private db/exec root with a user network; closed and removed by cleanups. */
async function berthNetworks(cleanups: Cleanups): Promise<{ svc: NetworkService; network: string }> {
  const dir = await mkdtemp("/tmp/berth-bench-net-");
  const ops = new NetHelper();
  const db = openDb(join(dir, "berth.db"));
  const bridge = `bb${hex(4)}`;
  const svc = await NetworkService.open({
    db, ops, execRoot: dir, tableName: `berth_bench_${hex(4)}`, defaultBridge: { name: bridge, cidr: `${randomNet24()}.1/24` },
    addressPools: [{ base: `${randomNet24()}.0/24`, size: 24 }], userlandProxy: true, icc: true, dns: null, log: () => {},
  });
  const network = `bench-${hex(4)}`;
  await svc.create({ Name: network });
  cleanups.add("berth networks", async () => {
    await svc.remove(network).catch(() => {});
    await svc.remove("bridge").catch(() => {});
    await svc.removeFirewall().catch(() => {});
    await ops.bridgeDelete(bridge).catch(() => {});
    await svc.close();
    ops.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { svc, network };
}

async function berthSetupTeardown(svc: NetworkService, network: string): Promise<{ setup: number[]; teardown: number[] }> {
  const setup: number[] = [];
  const teardown: number[] = [];
  for (let i = 0; i < N + 5; i++) {
    const id = hex(32);
    let t = process.hrtime.bigint();
    await svc.setUp(info(id, network));
    const s = Number(process.hrtime.bigint() - t) / 1e6;
    t = process.hrtime.bigint();
    await svc.tearDown(id);
    const d = Number(process.hrtime.bigint() - t) / 1e6;
    // The first few warm the helper and the kernel's caches.
    if (i >= 5) {
      setup.push(s);
      teardown.push(d);
    }
  }
  return { setup, teardown };
}

/** CNI bridge + host-local: ADD and DEL per netns, as a CNI runtime executes them. */
async function cniSetupTeardown(cleanups: Cleanups): Promise<{ setup: number[]; teardown: number[] } | null> {
  if (!existsSync(join(CNI_DIR, "bridge")) || !existsSync(join(CNI_DIR, "host-local"))) return null;
  const dir = await mkdtemp("/tmp/berth-bench-cni-");
  const bridge = `cb${hex(4)}`;
  const net = randomNet24();
  const conf = JSON.stringify({
    cniVersion: "1.0.0", name: `bench-${hex(4)}`, type: "bridge", bridge, isGateway: true, ipMasq: false,
    ipam: { type: "host-local", ranges: [[{ subnet: `${net}.0/24` }]], dataDir: join(dir, "ipam"), routes: [{ dst: "0.0.0.0/0" }] },
  });
  cleanups.add("cni", async () => {
    spawnSync("ip", ["link", "del", bridge]);
    await rm(dir, { recursive: true, force: true });
  });
  const cni = (cmd: "ADD" | "DEL", id: string, netns: string) => {
    const r = spawnSync(join(CNI_DIR, "bridge"), [], {
      input: conf,
      env: { CNI_COMMAND: cmd, CNI_CONTAINERID: id, CNI_NETNS: netns, CNI_IFNAME: "eth0", CNI_PATH: CNI_DIR, PATH: process.env.PATH },
    });
    if (r.status !== 0) throw new Error(`cni ${cmd}: ${r.stdout}${r.stderr}`);
  };
  const setup: number[] = [];
  const teardown: number[] = [];
  for (let i = 0; i < N + 5; i++) {
    const name = `bench-cni-${hex(4)}`;
    // The netns itself is made by the runtime (untimed on both sides' peer: berth's setup includes it).
    spawnSync("ip", ["netns", "add", name]);
    const netns = `/run/netns/${name}`;
    try {
      let t = process.hrtime.bigint();
      cni("ADD", name, netns);
      const s = Number(process.hrtime.bigint() - t) / 1e6;
      t = process.hrtime.bigint();
      cni("DEL", name, netns);
      const d = Number(process.hrtime.bigint() - t) / 1e6;
      if (i >= 5) {
        setup.push(s);
        teardown.push(d);
      }
    } finally {
      spawnSync("ip", ["netns", "del", name]);
    }
  }
  return { setup, teardown };
}

/** iperf3 -J result: received bits per second. */
function iperfClient(prefix: string[], server: string, port: number): number {
  const r = spawnSync(prefix[0] ?? "iperf3", [...prefix.slice(1), "iperf3", "-c", server, "-p", String(port), "-t", String(SECONDS), "-J"], { encoding: "utf8", timeout: (SECONDS + 30) * 1000 });
  if (r.status !== 0) throw new Error(`iperf3 client: ${r.stdout.slice(0, 500)}${r.stderr}`);
  return (JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second;
}

async function iperf(prefixServer: string[], prefixClient: string[], bind: string): Promise<number> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn(prefixServer[0] ?? "iperf3", [...prefixServer.slice(1), "iperf3", "-s", "-1", "-B", bind, "-p", String(port)], { stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 300));
    return iperfClient(prefixClient, bind, port);
  } finally {
    server.kill("SIGKILL");
  }
}

async function throughput(svc: NetworkService, network: string): Promise<{ bridge: number[]; loopback: number[] }> {
  const a = hex(32);
  const b = hex(32);
  await svc.setUp(info(a, network));
  try {
    await svc.setUp(info(b, network));
    try {
      const ipA = svc.view(a, info(a, network)).networks[network]!.IPAddress!;
      const nsA = ["nsenter", `--net=${svc.netnsPath(a)}`];
      const nsB = ["nsenter", `--net=${svc.netnsPath(b)}`];
      const bridge: number[] = [];
      const loopback: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        bridge.push(await iperf(nsA, nsB, ipA));
        loopback.push(await iperf([], [], "127.0.0.1"));
      }
      return { bridge, loopback };
    } finally {
      await svc.tearDown(b);
    }
  } finally {
    await svc.tearDown(a);
  }
}

/**
 * What the host's netfilter makes every packet pay, to read the throughput by: with br_netfilter
 * on, a bridged frame runs every table's prerouting and forward chains, a loopback packet only
 * the prerouting ones (README-network.md).
 */
function hostNetfilter(): string {
  const read = (p: string) => { try { return readFileSync(p, "utf8").trim(); } catch { return "absent"; } };
  const tables = (spawnSync("nft", ["list", "tables"], { encoding: "utf8" }).stdout ?? "").split("\n").filter(Boolean);
  const berth = tables.filter((t) => /^table inet berth_/.test(t)).length;
  return `host: net.bridge.bridge-nf-call-iptables=${read("/proc/sys/net/bridge/bridge-nf-call-iptables")}, ${tables.length} nft tables (${berth} of them berth_*; this bench's own is one)`;
}

/** One GET on a new connection; returns ms. */
function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const req = request({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(Number(process.hrtime.bigint() - t) / 1e6));
    });
    req.on("error", reject);
    // A dropped SYN would wait for TCP's own timeout (minutes): a published port that does not answer is a failure.
    req.setTimeout(2000, () => req.destroy(new Error(`127.0.0.1:${port}: no answer within 2 s`)));
    req.end();
  });
}

async function waitServing(port: number): Promise<void> {
  for (let i = 0; i < 20; i++) {
    try {
      await get(port);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing answers on 127.0.0.1:${port}`);
}

/** Latencies of REQUESTS sequential GETs to busybox httpd published on 127.0.0.1 by daemon d. */
async function publishedLatency(d: BenchDaemon): Promise<number[]> {
  const network = `bench-${hex(4)}`;
  await dockerOk(d.sock, ["network", "create", "--subnet", `${randomNet24()}.0/24`, network]);
  const port = 30000 + Math.floor(Math.random() * 20000);
  const name = `bench-httpd-${hex(4)}`;
  try {
    await dockerOk(d.sock, ["run", "-d", "--name", name, "--network", network, "-p", `127.0.0.1:${port}:80`, "busybox", "sh", "-c", "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www"]);
    await waitServing(port);
    for (let i = 0; i < 20; i++) await get(port);
    const out: number[] = [];
    for (let i = 0; i < REQUESTS; i++) out.push(await get(port));
    return out;
  } finally {
    await dockerOk(d.sock, ["rm", "-f", name]).catch(() => {});
    await dockerOk(d.sock, ["network", "rm", network]).catch(() => {});
  }
}

async function berthdLatency(cleanups: Cleanups, label: string, bridge: string, extra: string[]): Promise<[string, number[]]> {
  const d = await startBerthd(["--bridge", bridge, "--bip", `${randomNet24()}.1/24`, ...extra]);
  // d.cleanup() also drops the bridge and nft table berthd keeps for live restore (bench/lib/daemons.ts).
  const cleanup = () => d.cleanup();
  cleanups.add(label, cleanup);
  try {
    return [label, await phase(`published port, ${label}`, () => publishedLatency(d))];
  } finally {
    await cleanup();
  }
}

async function latencies(cleanups: Cleanups): Promise<void> {
  const lat: [string, number[]][] = [];
  lat.push(await berthdLatency(cleanups, "berthd (berth-proxy)", `bp${hex(4)}`, []));
  lat.push(await berthdLatency(cleanups, "berthd --userland-proxy=false (DNAT)", `bn${hex(4)}`, ["--userland-proxy=false"]));
  if (!NO_DOCKER) {
    const from = await startBerthd(["--bridge", "none"]);
    cleanups.add("berthd (image source)", () => from.cleanup());
    const dockerd = await startDockerd();
    cleanups.add("dockerd", () => dockerd.cleanup());
    await copyBusybox(from, dockerd);
    lat.push(["dockerd (docker-proxy)", await phase("published port, dockerd", () => publishedLatency(dockerd))]);
  }
  console.log("\nPublished-port request latency from the host, new connection per request (median / p90 of %d)", REQUESTS);
  const docker = lat.find(([l]) => l.startsWith("dockerd"))?.[1];
  printTable(["", "latency", "vs docker"], lat.map(([l, xs]) => [l, `${fmt(median(xs))} / ${fmt(percentile(xs, 0.9))}`, docker ? ratio(median(xs), median(docker)) : "-"]));
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("bench: needs root");
  if (ONLY !== undefined && !["setup", "throughput", "latency"].includes(ONLY)) throw new Error(`bench: --only ${ONLY}: expected setup, throughput or latency`);
  const cleanups = new Cleanups();
  try {
    const { svc, network } = await berthNetworks(cleanups);
    if (part("setup")) {
      const berth = await phase(`berth setup/teardown x${N}`, () => berthSetupTeardown(svc, network));
      const cni = await phase(`CNI bridge+host-local ADD/DEL x${N}`, () => cniSetupTeardown(cleanups));
      console.log("\nPer-container network setup and teardown (median / p90)");
      const row = (label: string, r: { setup: number[]; teardown: number[] }) => [label, `${fmt(median(r.setup))} / ${fmt(percentile(r.setup, 0.9))}`, `${fmt(median(r.teardown))} / ${fmt(percentile(r.teardown, 0.9))}`];
      const rows = [row("berth (netlink helper)", berth)];
      if (cni) rows.push(row("CNI bridge + host-local", cni), ["ratio berth/CNI", ratio(median(berth.setup), median(cni.setup)), ratio(median(berth.teardown), median(cni.teardown))]);
      printTable(["", "setup", "teardown"], rows);
    }
    if (part("throughput")) {
      const tp = await phase("iperf3 bridge vs loopback", () => throughput(svc, network));
      const gbit = (xs: number[]) => `${(median(xs) / 1e9).toFixed(2)} (${xs.map((x) => (x / 1e9).toFixed(1)).join(" ")})`;
      console.log("\nTCP throughput (iperf3, one stream, %d s; median of %d alternating runs, each run in parentheses)", SECONDS, ROUNDS);
      printTable(["", "Gbit/s"], [
        ["container -> container over the berth bridge", gbit(tp.bridge)],
        ["host loopback", gbit(tp.loopback)],
        ["ratio of medians", ratio(median(tp.bridge), median(tp.loopback))],
      ]);
      console.log(hostNetfilter());
    }
    if (part("latency")) await latencies(cleanups);
  } finally {
    await cleanups.run();
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});

