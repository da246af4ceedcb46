// `docker logs` of a container that printed --lines lines (default 100,000) and exited, through
// the real docker CLI, berthd side by side with Debian's dockerd (json-file driver), both on
// private sockets and roots with the same busybox (berth's, copied with save | load). Per daemon:
// the container runs busybox awk printing numbered 36-byte lines, the line count of
// `docker logs` is checked once (untimed), then, median of --runs (default 5) after one
// warm-up: `docker logs c > /dev/null`, the same stream from the API without the CLI
// (GET /containers/c/logs?stdout=1&stderr=1, multiplexed frames), and `docker logs --tail 100`.
// Then the docker CLI's own floor: `docker logs` against a stub server on a private socket that
// answers with the very bytes berthd sent (captured from the API GET: the same frames, from
// memory), so what berthd adds on top of the CLI is the difference. The berth CLI is timed the
// same way (tsc's tree, dist/src/bin/berth.js, and the installed bundle dist/berth-cli.cjs when
// built): `berth logs c > /dev/null` against berthd and against the replay.
// Every phase is bounded (5 min) and everything is cleaned up, also on Ctrl-C. Run as root
// after `npx tsc -p . && make -C native`:
//   node dist/bench/logs.js [--lines 100000] [--runs 5] [--no-docker]
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { copyBusybox, startBerthd, startDockerd, type BenchDaemon } from "./lib/daemons.js";
import { apiGet, dockerOk, DOCKER_CLI } from "./lib/docker.js";
import { Cleanups, median, phase, printTable } from "./lib/harness.js";

const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const LINES = flag("--lines", 100_000);
const RUNS = flag("--runs", 5);
const NO_DOCKER = args.includes("--no-docker");

const BERTH_TSC = resolve("dist/src/bin/berth.js");
const BERTH_BUNDLE = resolve("dist/berth-cli.cjs");

interface LogsResult {
  cliMs: number; apiMs: number; apiBytes: number; tailMs: number; runMs: number; floorMs: number;
  /** berthd only: `berth logs` (tsc tree, bundle) against the daemon and against the replay. */
  berth?: { tscMs: number; bundleMs?: number; tscFloorMs: number; bundleFloorMs?: number };
}

/**
 * Runs `node <cli> -H unix://sock args...` with stdout on /dev/null; resolves with the wall time.
 * Throws unless it exits 0.
 */
function berthCli(cli: string, sock: string, args: string[], timeoutMs = 120_000): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const devNull = openSync("/dev/null", "w");
    const t0 = process.hrtime.bigint();
    const p = spawn(process.execPath, [cli, "-H", `unix://${sock}`, ...args], { env: { PATH: process.env.PATH, HOME: "/tmp" }, stdio: ["ignore", devNull, "pipe"] });
    closeSync(devNull);
    let err = "";
    p.stderr!.on("data", (d) => { err = (err + d).slice(-2000); });
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("error", (e) => { clearTimeout(timer); reject(e); });
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code === 0) resolveRun(ms);
      else reject(new Error(`berth ${args.join(" ")}: ${signal ? `killed (${signal})` : `exit ${code}`}: ${err.trim().slice(0, 500)}`));
    });
  });
}

/** The median of RUNS timed runs of `berth logs name` after one warm-up. */
async function berthLogsMs(cli: string, sock: string, name: string): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const ms = await berthCli(cli, sock, ["logs", name]);
    if (i > 0) xs.push(ms);
  }
  return median(xs);
}

async function measure(d: BenchDaemon): Promise<LogsResult> {
  const label = d.kind;
  const name = `berth-bench-logs-${Math.random().toString(16).slice(2, 10)}`;
  const program = `BEGIN { for (i = 1; i <= ${LINES}; i++) printf "line %06d the quick brown fox jumps\\n", i }`;
  const t0 = performance.now();
  await phase(`${label}: run a container printing ${LINES} lines`, async () => {
    await dockerOk(d.sock, ["run", "-d", "--network", "none", "--name", name, "busybox", "awk", program], { timeoutMs: 120_000 });
    const code = (await dockerOk(d.sock, ["wait", name], { timeoutMs: 280_000 })).stdout.trim();
    if (code !== "0") throw new Error(`bench: ${label}: the log container exited ${code}`);
  });
  const runMs = performance.now() - t0;
  try {
    const got = await phase(`${label}: check the line count`, () => dockerOk(d.sock, ["logs", name], { timeoutMs: 120_000 }));
    const lines = got.stdout.split("\n").filter(Boolean);
    if (lines.length !== LINES || lines[LINES - 1] !== `line ${String(LINES).padStart(6, "0")} the quick brown fox jumps`) {
      throw new Error(`bench: ${label}: docker logs gave ${lines.length} lines (expected ${LINES}), last ${JSON.stringify(lines.at(-1))}`);
    }
    const cli: number[] = [];
    await phase(`${label}: docker logs > /dev/null ×${RUNS}`, async () => {
      await dockerOk(d.sock, ["logs", name], { stdoutToDevNull: true });
      for (let i = 0; i < RUNS; i++) cli.push((await dockerOk(d.sock, ["logs", name], { stdoutToDevNull: true, timeoutMs: 120_000 })).ms);
    });
    const api: number[] = [];
    let apiBytes = 0;
    let body: Buffer = Buffer.alloc(0);
    await phase(`${label}: GET /containers/${name}/logs ×${RUNS}`, async () => {
      for (let i = 0; i <= RUNS; i++) {
        const r = await apiGet(d.sock, `/containers/${name}/logs?stdout=1&stderr=1`);
        if (r.status !== 200) throw new Error(`bench: ${label}: GET logs: ${r.status} ${r.body.toString().slice(0, 200)}`);
        apiBytes = r.bytes;
        body = r.body;
        if (i > 0) api.push(r.ms);
      }
    });
    const floor = await phase(`${label}: docker logs against a replay of the same bytes ×${RUNS}`, () => replayFloor(body, (sock) => dockerLogsMs(sock)));
    let berth: LogsResult["berth"];
    if (d.kind === "berthd") {
      const bundle = existsSync(BERTH_BUNDLE);
      berth = await phase(`${label}: berth logs > /dev/null ×${RUNS} (and against the replay)`, async () => ({
        tscMs: await berthLogsMs(BERTH_TSC, d.sock, name),
        tscFloorMs: await replayFloor(body, (sock) => berthLogsMs(BERTH_TSC, sock, "replay")),
        ...(bundle ? {
          bundleMs: await berthLogsMs(BERTH_BUNDLE, d.sock, name),
          bundleFloorMs: await replayFloor(body, (sock) => berthLogsMs(BERTH_BUNDLE, sock, "replay")),
        } : {}),
      }));
    }
    const tail: number[] = [];
    await phase(`${label}: docker logs --tail 100 ×${RUNS}`, async () => {
      for (let i = 0; i <= RUNS; i++) {
        const r = await dockerOk(d.sock, ["logs", "--tail", "100", name], { timeoutMs: 120_000 });
        if (r.stdout.split("\n").filter(Boolean).length !== 100) throw new Error(`bench: ${label}: docker logs --tail 100 did not give 100 lines`);
        if (i > 0) tail.push(r.ms);
      }
    });
    return { cliMs: median(cli), apiMs: median(api), apiBytes, tailMs: median(tail), runMs, floorMs: floor, ...(berth ? { berth } : {}) };
  } finally {
    await removeQuietly(d, name);
  }
}

/** The median of RUNS timed runs of `docker logs replay` after one warm-up. */
async function dockerLogsMs(sock: string): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const r = await dockerOk(sock, ["logs", "replay"], { stdoutToDevNull: true, timeoutMs: 120_000 });
    if (i > 0) xs.push(r.ms);
  }
  return median(xs);
}

/**
 * `timeLogs` against a stub daemon that replays `body` (a captured logs response) from memory in
 * 64 KiB writes: a CLI's own cost for these frames.
 */
async function replayFloor(body: Buffer, timeLogs: (sock: string) => Promise<number>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-replay-"));
  const sock = join(dir, "docker.sock");
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "";
    if (url.endsWith("/_ping")) {
      res.writeHead(200, { "Api-Version": "1.47", "Content-Type": "text/plain" }).end("OK");
    } else if (/\/containers\/[^/]+\/logs/.test(url)) {
      res.writeHead(200, { "Content-Type": "application/vnd.docker.multiplexed-stream" });
      for (let o = 0; o < body.length; o += 65536) res.write(body.subarray(o, o + 65536));
      res.end();
    } else if (/\/containers\/[^/]+\/json/.test(url)) {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ Id: "replay", Config: { Tty: false } }));
    } else {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ message: `replay: no ${url}` }));
    }
  });
  try {
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(sock, resolve));
    return await timeLogs(sock);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes the log container; a failure is reported (the daemon's cleanup forces it later). */
async function removeQuietly(d: BenchDaemon, name: string): Promise<void> {
  await dockerOk(d.sock, ["rm", "-f", name], { timeoutMs: 60_000 }).catch((e) => console.error(`bench: ${d.kind}: ${(e as Error).message}`));
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
    const b = await measure(berth);
    const d = dockerd ? await measure(dockerd) : undefined;
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    const ratio = (x: number, y: number | undefined) => (y ? `${(x / y).toFixed(2)}x` : "-");
    const dockerVersion = dockerd ? (await dockerOk(dockerd.sock, ["version", "--format", "{{.Server.Version}}"])).stdout.trim() : "";
    console.log(`logs benchmark, ${new Date().toISOString().slice(0, 16)}Z, load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}; ${LINES} lines of 36 bytes; median of ${RUNS}${dockerd ? `; dockerd ${dockerVersion} (Debian docker.io, json-file)` : ""}`);
    printTable(["", "berthd", "dockerd", "ratio", "target"], [
      [`docker logs > /dev/null (${LINES} lines)`, ms(b.cliMs), d ? ms(d.cliMs) : "-", ratio(b.cliMs, d?.cliMs), "≤ 0.30x"],
      ["API GET /containers/c/logs (no CLI)", ms(b.apiMs), d ? ms(d.apiMs) : "-", ratio(b.apiMs, d?.apiMs), ""],
      ["  response size", `${(b.apiBytes / 1048576).toFixed(1)} MiB`, d ? `${(d.apiBytes / 1048576).toFixed(1)} MiB` : "-", "", ""],
      ["docker logs against a replay of those bytes", ms(b.floorMs), d ? ms(d.floorMs) : "-", "", "(the CLI alone)"],
      ...(b.berth ? [
        [`berth logs > /dev/null (tsc tree)`, ms(b.berth.tscMs), "-", ratio(b.berth.tscMs, b.cliMs) + " of docker's", ""],
        ["berth logs (tsc tree) against the replay", ms(b.berth.tscFloorMs), "-", "", "(the CLI alone)"],
        ...(b.berth.bundleMs !== undefined ? [
          [`berth logs > /dev/null (bundle)`, ms(b.berth.bundleMs), "-", ratio(b.berth.bundleMs, b.cliMs) + " of docker's", ""],
          ["berth logs (bundle) against the replay", ms(b.berth.bundleFloorMs!), "-", "", "(the CLI alone)"],
        ] : []),
      ] : []),
      ["docker logs --tail 100", ms(b.tailMs), d ? ms(d.tailMs) : "-", ratio(b.tailMs, d?.tailMs), ""],
      ["run + wait of the printing container", ms(b.runMs), d ? ms(d.runMs) : "-", ratio(b.runMs, d?.runMs), ""],
    ]);
    console.log(`docker CLI ${DOCKER_CLI}; ratio = berthd / dockerd`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    exitCode = 1;
  } finally {
    await cleanups.run();
  }
  process.exit(exitCode);
}

void main();
