// Density and scale through the real docker CLI, berthd side by side with Debian's dockerd
// (containerd + runc), both on private sockets and roots, the same busybox in both (berth's,
// copied with docker save | docker load). Per daemon:
//   1. start N idle containers, `docker run -d --network none busybox sleep 3600`, at most
//      --parallel commands in flight; total wall time, per-command latency, time per 100;
//   2. daemon-side CPU while the N containers idle (5 s window);
//   3. `docker ps` with N running: GET /containers/json over the socket (node http, no CLI) and
//      the CLI, median of --ps-runs each;
//   4. memory: the daemon's RSS and PSS, the shims' summed PSS (berthd: its berth-shims and the
//      launcher; dockerd: dockerd + containerd + containerd-shim-runc-v2);
//   5. remove them all: `docker rm -f` with 100 ids each, --parallel batches in flight.
// dockerd runs only --docker-n containers (default 100: it takes ~0.3 s per container here);
// its totals are extrapolated linearly to N and marked so. Every phase is bounded (5 min) and
// everything is cleaned up, also on Ctrl-C. Run as root after `npx tsc -p . && make -C native`:
//   node dist/bench/density.js [--n 1000] [--docker-n 100] [--parallel 8] [--ps-runs 20] [--no-docker]
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { copyBusybox, processesMatching, startBerthd, startDockerd, type BenchDaemon } from "./lib/daemons.js";
import { apiGet, dockerCli, dockerOk, runBounded, DOCKER_CLI } from "./lib/docker.js";
import { Cleanups, childrenOf, comm, median, mib, percentile, phase, printTable, pssKiB, rssKiB } from "./lib/harness.js";

const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = flag("--n", 1000);
const DOCKER_N = flag("--docker-n", 100);
const PARALLEL = flag("--parallel", 8);
const PS_RUNS = flag("--ps-runs", 20);
const NO_DOCKER = args.includes("--no-docker");

interface Memory { daemonRss: number; daemonPss: number; helpersPss: number; shimsPss: number; shims: number; helpers: string }

interface DensityResult {
  n: number;
  startTotalMs: number;
  startLatency: number[];
  per100Ms: number[];
  idleCpuPct: number;
  psApiMs: number;
  psApiBytes: number;
  psCliMs: number;
  mem: Memory;
  rmTotalMs: number;
}

/** CPU time (user + system, ms) of processes, from /proc/PID/stat. */
function cpuMs(pids: number[]): number {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  let sum = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      sum += (Number(f[11]) + Number(f[12])) * tick;
    } catch { /* gone */ }
  }
  return sum;
}

/** The daemon's side: berthd + its launcher + shims, or dockerd + containerd + shims. */
function daemonSide(d: BenchDaemon): { daemon: number; helpers: number[]; shims: number[] } {
  if (d.kind === "berthd") {
    const runtimeDir = join(d.dir, "exec", "runtime");
    const shims = existsSync(runtimeDir)
      ? readdirSync(runtimeDir).filter((n) => !n.startsWith(".")).map((id) => Number((() => { try { return readFileSync(join(runtimeDir, id, "shim.pid"), "utf8").trim(); } catch { return "0"; } })())).filter((p) => p > 0)
      : [];
    return { daemon: d.pid, helpers: childrenOf(d.pid).filter((p) => comm(p).startsWith("berth")), shims };
  }
  return {
    daemon: d.pid,
    helpers: childrenOf(d.pid).filter((p) => comm(p) === "containerd"),
    shims: processesMatching((cmd) => cmd.includes("containerd-shim") && cmd.includes(d.dir)),
  };
}

function memory(d: BenchDaemon): Memory {
  const side = daemonSide(d);
  return {
    daemonRss: rssKiB(side.daemon),
    daemonPss: pssKiB(side.daemon),
    helpersPss: side.helpers.reduce((a, p) => a + pssKiB(p), 0),
    helpers: side.helpers.map((p) => comm(p)).join("+") || "none",
    shimsPss: side.shims.reduce((a, p) => a + pssKiB(p), 0),
    shims: side.shims.length,
  };
}

async function measure(d: BenchDaemon, n: number, cleanups: Cleanups): Promise<DensityResult> {
  const label = d.kind;
  await phase(`${label}: warm-up run`, () => dockerOk(d.sock, ["run", "--rm", "--network", "none", "busybox", "true"], { timeoutMs: 60_000 }));

  const latency: number[] = [];
  const per100Ms: number[] = [];
  const errors: string[] = [];
  const t0 = performance.now();
  let chunkStart = t0;
  let done = 0;
  await phase(`${label}: start ${n} containers (${PARALLEL} in flight)`, () => runBounded(Array.from({ length: n }, (_, i) => i), PARALLEL, async () => {
    if (errors.length >= 5 || cleanups.stopping) return;
    const r = await dockerCli(d.sock, ["run", "-d", "--network", "none", "busybox", "sleep", "3600"], { timeoutMs: 120_000 });
    if (r.code !== 0) {
      errors.push(`after ${done} started: ${r.stderr.trim().slice(0, 300)}`);
      return;
    }
    latency.push(r.ms);
    if (++done % 100 === 0) {
      const now = performance.now();
      per100Ms.push(now - chunkStart);
      process.stderr.write(`bench: ${label}: ${done} running, last 100 in ${((now - chunkStart) / 1000).toFixed(1)} s\n`);
      chunkStart = now;
    }
  }));
  const startTotalMs = performance.now() - t0;
  if (cleanups.stopping) throw new Error(`bench: ${label}: interrupted after ${done} containers`);
  if (errors.length > 0) throw new Error(`bench: ${label}: docker run -d failed ${errors.length} time(s): ${errors.join(" | ")}`);
  const running = (await dockerOk(d.sock, ["ps", "-q"], { timeoutMs: 60_000 })).stdout.split("\n").filter(Boolean).length;
  if (running !== n) throw new Error(`bench: ${label}: ${running} containers running, expected ${n}`);

  // CPU burnt by the daemon side while nothing happens (exit monitoring, housekeeping).
  const side = daemonSide(d);
  const pids = [side.daemon, ...side.helpers, ...side.shims];
  const c0 = cpuMs(pids);
  await new Promise((r) => setTimeout(r, 5000));
  const idleCpuPct = ((cpuMs(pids) - c0) / 5000) * 100;

  const api: number[] = [];
  let psApiBytes = 0;
  await phase(`${label}: docker ps ×${PS_RUNS} (API and CLI)`, async () => {
    await apiGet(d.sock, "/containers/json");
    for (let i = 0; i < PS_RUNS; i++) {
      const r = await apiGet(d.sock, "/containers/json");
      if (r.status !== 200) throw new Error(`bench: ${label}: GET /containers/json: ${r.status} ${r.body.toString().slice(0, 200)}`);
      if (i === 0 && (JSON.parse(r.body.toString()) as unknown[]).length !== n) throw new Error(`bench: ${label}: GET /containers/json did not list ${n} containers`);
      psApiBytes = r.bytes;
      api.push(r.ms);
    }
  });
  const cliTimes: number[] = [];
  await phase(`${label}: docker ps CLI ×${PS_RUNS}`, async () => {
    for (let i = 0; i < PS_RUNS; i++) cliTimes.push((await dockerOk(d.sock, ["ps"], { stdoutToDevNull: true })).ms);
  });

  const mem = memory(d);

  const ids = (await dockerOk(d.sock, ["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter(Boolean);
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += 100) batches.push(ids.slice(i, i + 100));
  const r0 = performance.now();
  await phase(`${label}: remove ${ids.length} (docker rm -f, 100 per command, ${PARALLEL} in flight)`, () => runBounded(batches, PARALLEL, (b) => dockerOk(d.sock, ["rm", "-f", ...b], { timeoutMs: 300_000 })));
  const rmTotalMs = performance.now() - r0;
  const left = (await dockerOk(d.sock, ["ps", "-aq"])).stdout.split("\n").filter(Boolean).length;
  if (left !== 0) throw new Error(`bench: ${label}: ${left} containers left after docker rm -f`);

  return { n, startTotalMs, startLatency: latency, per100Ms, idleCpuPct, psApiMs: median(api), psApiBytes, psCliMs: median(cliTimes), mem, rmTotalMs };
}

function firstLast(r: DensityResult): string {
  return r.per100Ms.length > 0 ? `${(r.per100Ms[0]! / 1000).toFixed(1)} s / ${(r.per100Ms.at(-1)! / 1000).toFixed(1)} s` : "-";
}

function report(b: DensityResult, d: DensityResult | undefined): void {
  const scale = d ? b.n / d.n : 1;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const kib = (x: number) => `${x.toFixed(0)} KiB`;
  const ratio = (x: number, y: number | undefined) => (y && y > 0 ? `${(x / y).toFixed(2)}x` : "-");
  const dx = (f: (r: DensityResult) => string) => (d ? f(d) : "-");
  const header = ["", `berthd (${b.n})`, d ? `dockerd (${d.n})` : "dockerd", d && scale !== 1 ? `dockerd ×${scale} (extrap.)` : "", "ratio", "target (berthd)"];
  const rows: string[][] = [
    [`start ${b.n}: docker run -d (${PARALLEL} in flight)`, s(b.startTotalMs), dx((r) => s(r.startTotalMs)), d ? s(d.startTotalMs * scale) : "", ratio(b.startTotalMs, d && d.startTotalMs * scale), "≤ 20 s"],
    ["  per command: median", ms(median(b.startLatency)), dx((r) => ms(median(r.startLatency))), "", ratio(median(b.startLatency), d && median(d.startLatency)), ""],
    ["  per command: p90", ms(percentile(b.startLatency, 0.9)), dx((r) => ms(percentile(r.startLatency, 0.9))), "", "", ""],
    ["  first 100 / last 100", firstLast(b), dx(firstLast), "", "", ""],
    [`idle CPU, daemon side (% of one core)`, `${b.idleCpuPct.toFixed(1)} %`, dx((r) => `${r.idleCpuPct.toFixed(1)} %`), "", "", ""],
    ["docker ps: API GET /containers/json, median", ms(b.psApiMs), dx((r) => ms(r.psApiMs)), "", ratio(b.psApiMs, d?.psApiMs), "≤ 20 ms"],
    ["  response size", `${(b.psApiBytes / 1024).toFixed(0)} KiB`, dx((r) => `${(r.psApiBytes / 1024).toFixed(0)} KiB`), "", "", ""],
    ["docker ps: CLI, median", ms(b.psCliMs), dx((r) => ms(r.psCliMs)), "", ratio(b.psCliMs, d?.psCliMs), ""],
    ["daemon RSS", mib(b.mem.daemonRss), dx((r) => mib(r.mem.daemonRss)), "", "", ""],
    ["daemon PSS", mib(b.mem.daemonPss), dx((r) => mib(r.mem.daemonPss)), "", "", ""],
    [`helpers PSS (${b.mem.helpers} / ${d?.mem.helpers ?? "-"})`, mib(b.mem.helpersPss), dx((r) => mib(r.mem.helpersPss)), "", "", ""],
    [`shims PSS, sum (${b.mem.shims} / ${d?.mem.shims ?? "-"} shims)`, mib(b.mem.shimsPss), dx((r) => mib(r.mem.shimsPss)), d ? mib(d.mem.shimsPss * scale) : "", ratio(b.mem.shimsPss, d && d.mem.shimsPss * scale), ""],
    ["  per container", kib(b.mem.shimsPss / Math.max(1, b.mem.shims)), dx((r) => kib(r.mem.shimsPss / Math.max(1, r.mem.shims))), "", "", ""],
    ["daemon side PSS total", mib(b.mem.daemonPss + b.mem.helpersPss + b.mem.shimsPss), dx((r) => mib(r.mem.daemonPss + r.mem.helpersPss + r.mem.shimsPss)), "", "", ""],
    [`remove ${b.n}: docker rm -f (100 ids each)`, s(b.rmTotalMs), dx((r) => s(r.rmTotalMs)), d ? s(d.rmTotalMs * scale) : "", ratio(b.rmTotalMs, d && d.rmTotalMs * scale), "≤ 10 s"],
  ];
  if (!(d && scale !== 1)) for (const r of rows) r.splice(3, 1);
  if (!(d && scale !== 1)) header.splice(3, 1);
  printTable(header, rows);
  console.log(`docker CLI ${DOCKER_CLI}; ratio = berthd / dockerd${d && scale !== 1 ? ` (totals: dockerd extrapolated linearly from ${d.n} to ${b.n}; ps and memory compare ${b.n} against ${d.n} as measured)` : ""}`);
}

async function main(): Promise<void> {
  const cleanups = new Cleanups();
  let exitCode = 0;
  try {
    const berth = await phase("start berthd", () => startBerthd());
    cleanups.add("berthd", () => berth.cleanup());
    let dockerd: BenchDaemon | undefined;
    if (!NO_DOCKER) {
      dockerd = await phase("start dockerd", () => startDockerd());
      cleanups.add("dockerd", () => dockerd!.cleanup());
      await phase("load busybox into dockerd", () => copyBusybox(berth, dockerd!));
    }
    const b = await measure(berth, N, cleanups);
    const d = dockerd ? await measure(dockerd, DOCKER_N, cleanups) : undefined;
    const versions = [(await dockerOk(berth.sock, ["version", "--format", "{{.Server.Version}}"])).stdout.trim()];
    if (dockerd) versions.push((await dockerOk(dockerd.sock, ["version", "--format", "{{.Server.Version}}"])).stdout.trim());
    console.log(`density benchmark, ${new Date().toISOString().slice(0, 16)}Z, ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} load before cleanup; berthd ${versions[0]}${dockerd ? `, dockerd ${versions[1]} (Debian docker.io)` : ""}`);
    report(b, d);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    exitCode = 1;
  } finally {
    await cleanups.run();
  }
  process.exit(exitCode);
}

void main();
