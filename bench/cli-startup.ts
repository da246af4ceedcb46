// CLI start-up cost: `berth version` / `berth ps` against `docker version` / `docker ps`, the same
// berthd behind both (so the difference is the client: process start, module loading, API
// version negotiation, one request). Two forms of berth: the bundled CLI the installed `berth`
// runs (dist/berth-cli.cjs: one CommonJS file and a V8 code cache, `npm run build:cli`; the
// first, unmeasured round makes the cache if the build left none) and
// tsc's module tree (dist/src/bin/berth.js). 20 runs each by default, median wall time, plus the
// mean CPU time (user + sys) per run, which a loaded machine distorts less, and node's own floor
// (`node -e 0`). The series are interleaved run by run so that load changes hit all alike, and
// run at nice -20 (root), as the daemon started here, so that other work on a shared machine
// distorts them less. Run as root after `npx tsc -p . && npm run build:cli`:
//   node dist/bench/cli-startup.js [--n 20]
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { DOCKER_CLI, startTestDaemon } from "../test/helpers/daemon.js";

const args = process.argv.slice(2);
const nIdx = args.indexOf("--n");
const N = nIdx >= 0 ? Number(args[nIdx + 1]) : 20;
const BERTH_TSC = resolve("dist/src/bin/berth.js");
const BERTH_BUNDLE = resolve("dist/berth-cli.cjs");
const ENV = { PATH: process.env.PATH, HOME: "/tmp", DOCKER_CONFIG: "/tmp/berth-bench-docker-config" };
const TICK_MS = 10; // USER_HZ = 100 on Linux

/** CPU time of this process's reaped children so far (ms): /proc/self/stat cutime + cstime. */
function childCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[13]) + Number(f[14])) * TICK_MS;
}

interface Series { label: string; cmd: string; argv: string[]; wall: number[]; cpuMs: number }

function runOnce(s: Series): void {
  const c0 = childCpuMs();
  const t0 = performance.now();
  const r = spawnSync(s.cmd, s.argv, { env: ENV, stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${s.cmd} ${s.argv.join(" ")}: exit ${r.status}: ${r.stderr}`);
  s.wall.push(ms);
  s.cpuMs += childCpuMs() - c0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function measure(series: Series[]): void {
  for (const s of series) runOnce(s); // warm the page cache (and write the bundle's code cache)
  for (const s of series) { s.wall = []; s.cpuMs = 0; }
  for (let i = 0; i < N; i++) for (const s of series) runOnce(s);
}

async function main(): Promise<void> {
  if (!existsSync(BERTH_BUNDLE)) throw new Error(`bench: ${BERTH_BUNDLE} is missing: run npm run build:cli`);
  try { setPriority(-20); } catch { console.error("bench: not root: running at normal priority"); }
  const daemon = await startTestDaemon();
  try {
    const host = ["-H", `unix://${daemon.sock}`];
    const all: Series[] = [];
    const s = (label: string, cmd: string, argv: string[]): Series => {
      const x = { label, cmd, argv, wall: [], cpuMs: 0 };
      all.push(x);
      return x;
    };
    const rows: [string, Series, Series, Series][] = [];
    for (const verb of ["version", "ps"]) {
      rows.push([verb, s(`berth ${verb}`, process.execPath, [BERTH_BUNDLE, ...host, verb]), s(`berth (tsc) ${verb}`, process.execPath, [BERTH_TSC, ...host, verb]), s(`docker ${verb}`, DOCKER_CLI, [...host, verb])]);
    }
    const floor = s("node -e 0", process.execPath, ["-e", "0"]);
    measure(all);
    const cell = (x: Series) => `${median(x.wall).toFixed(1).padStart(7)} / ${(x.cpuMs / N).toFixed(1).padStart(5)}`;
    console.log(`CLI start-up against berthd, ${new Date().toISOString().slice(0, 16)}Z, load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
    console.log(`median wall ms / mean CPU ms of ${N} runs (docker CLI: ${DOCKER_CLI})`);
    console.log("command     berth (bundle)    berth (tsc)        docker   ratio bundle/docker (wall, CPU)");
    for (const [verb, b, t, d] of rows) {
      console.log(`${verb.padEnd(10)} ${cell(b)}   ${cell(t)}   ${cell(d)}   ${(median(b.wall) / median(d.wall)).toFixed(2)}x, ${(b.cpuMs / d.cpuMs).toFixed(2)}x`);
    }
    console.log(`node -e 0  ${cell(floor)}   (the floor of any Node CLI)`);
    // What berth adds to a bare Node start: the part its own code can still change.
    console.log(`berth (bundle) over node -e 0: ${rows.map(([verb, b]) => `${verb} +${(median(b.wall) - median(floor.wall)).toFixed(1)} ms wall, +${((b.cpuMs - floor.cpuMs) / N).toFixed(1)} ms CPU`).join("; ")}`);
  } finally {
    const forced = await daemon.cleanup();
    if (forced.length) console.error(`bench: cleanup had to force: ${forced.join(", ")}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
