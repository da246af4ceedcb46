// CLI start-up cost: `berth version` / `berth ps` against `docker version` / `docker ps`, the same
// berthd behind both (so the difference is the client: process start, module loading, API
// version negotiation, one request). 20 runs each by default, median reported, plus node's
// own floor (`node -e 0`). Run as root after `npx tsc -p .`:
//   node dist/bench/cli-startup.js [--n 20]
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { DOCKER_CLI, startTestDaemon } from "../test/helpers/daemon.js";

const args = process.argv.slice(2);
const nIdx = args.indexOf("--n");
const N = nIdx >= 0 ? Number(args[nIdx + 1]) : 20;
const BERTH = resolve("dist/src/bin/berth.js");
const ENV = { PATH: process.env.PATH, HOME: "/tmp", DOCKER_CONFIG: "/tmp/berth-bench-docker-config" };

function time(cmd: string, argv: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { env: ENV, stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function series(cmd: string, argv: string[]): number {
  time(cmd, argv); // warm the page cache
  const xs: number[] = [];
  for (let i = 0; i < N; i++) xs.push(time(cmd, argv));
  return median(xs);
}

async function main(): Promise<void> {
  const daemon = await startTestDaemon();
  try {
    const host = ["-H", `unix://${daemon.sock}`];
    const rows: [string, number, number][] = [];
    for (const verb of ["version", "ps"]) {
      const berth = series(process.execPath, [BERTH, ...host, verb]);
      const docker = series(DOCKER_CLI, [...host, verb]);
      rows.push([verb, berth, docker]);
    }
    const floor = series(process.execPath, ["-e", "0"]);
    console.log(`CLI start-up against berthd, median of ${N} runs (docker CLI: ${DOCKER_CLI})`);
    console.log("command        berth ms   docker ms   ratio");
    for (const [verb, b, d] of rows) console.log(`${verb.padEnd(14)} ${b.toFixed(1).padStart(8)}   ${d.toFixed(1).padStart(9)}   ${(b / d).toFixed(2)}x`);
    console.log(`node -e 0       ${floor.toFixed(1).padStart(7)}   (the floor of any Node CLI)`);
  } finally {
    const forced = await daemon.cleanup();
    if (forced.length) console.error(`bench: cleanup had to force: ${forced.join(", ")}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
