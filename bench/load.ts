#!/usr/bin/env node
/**
 * Load benchmark: the pull benchmark's image (a debootstrap'ed Debian minbase rootfs split into
 * four layers, or generated layers without debootstrap) written as a `docker save` archive in
 * the legacy layout Docker 20.10 writes and reads (`<id>/layer.tar` uncompressed,
 * `<config-hex>.json`, `manifest.json` last), then `docker load -i archive` through the same
 * docker CLI against
 *   - berthd (dist/src/bin/berthd.js): stores the layers in the content store and unpacks them
 *     into snapshots before it answers, as Docker does,
 *   - Debian's dockerd (20.10, overlay2),
 *   - optionally berth's own CLI (dist/src/bin/berth.js load) against berthd,
 * each run on a freshly started daemon (so every load really unpacks), in alternating order,
 * printing every run, the medians and the ratio berth/docker. Daemons are stopped after their
 * step and everything (daemons' data roots, the archive) is removed at the end, also on failure
 * and on Ctrl-C.
 *
 * Usage: [TMPDIR=/var/tmp] node dist/bench/load.js [--runs N] [--rootfs DIR] [--generated] [--no-docker] [--no-berth-cli] [--before OTHER/dist/src/bin/berthd.js]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startBerthd, startDockerd, type BenchDaemon, type DaemonKind } from "./lib/daemons.js";
import { dockerSaveArchive, type DockerSaveArchive as Archive } from "./lib/debianLayers.js";
import { dockerCli, dockerOk } from "./lib/docker.js";
import { Cleanups, median, phase, printTable } from "./lib/harness.js";

const args = process.argv.slice(2);
const flag = (n: string) => args.includes(n);
const opt = (n: string) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : undefined; };
const RUNS = Number(opt("--runs") ?? 5);
const TAG = "berth-bench/debian:load";
const BERTH_CLI = resolve("dist/src/bin/berth.js");

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups = new Cleanups();

/** Writes out dirty data (no step pays for the previous one's writeback), then waits. */
async function settle(pauseMs = 0): Promise<void> {
  spawnSync("sync");
  if (pauseMs) await sleep(pauseMs);
}

/** True once the process is gone or a zombie (PID 1 here reaps late). */
function dead(pid: number): boolean {
  try {
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\)/, ")"));
  } catch {
    return true;
  }
}

/**
 * Stops a daemon after its step but keeps its data root until the end: deleting thousands of
 * files between runs would slow the next run's file creation on this ext4 (see
 * README-pull.md, "Fair timing"), and an idle daemon left running slows every later step.
 */
async function halt(d: BenchDaemon): Promise<void> {
  try { process.kill(d.pid, "SIGTERM"); } catch { return; }
  for (let i = 0; i < 600 && !dead(d.pid); i++) await sleep(100);
}

type Step = "berthd (docker CLI)" | "dockerd (docker CLI)" | "berthd (berth CLI)" | "berthd before (docker CLI)";
/** --before PATH: another build's berthd.js (say the commit before a change), timed as a fourth step. */
const BEFORE = opt("--before");

/** One timed load on a fresh daemon; checks the image is there (untimed) and halts the daemon. */
async function timedLoad(step: Step, archive: Archive): Promise<number> {
  const kind: DaemonKind = step.startsWith("dockerd") ? "dockerd" : "berthd";
  // Under $TMPDIR, like the archive: /var/tmp keeps both daemons away from the block groups
  // where parallel test suites keep creating and deleting files in /tmp.
  const dirs = { parentDir: tmpdir(), ...(step === "berthd before (docker CLI)" ? { berthd: resolve(BEFORE!) } : {}) };
  const d = await phase(`${step}: start ${kind}`, () => (kind === "dockerd" ? startDockerd(dirs) : startBerthd([], dirs)));
  cleanups.add(`${kind} ${d.dir}`, () => d.cleanup());
  // Both answer before their start-up work is done (dockerd's containerd plugins, berthd's
  // default image): let it finish so it is not timed.
  await settle(3000);
  const ms = await phase(`${step}: load`, async () => {
    if (step === "berthd (berth CLI)") return berthCliLoad(d.sock, archive.path);
    const r = await dockerOk(d.sock, ["load", "-i", archive.path], { timeoutMs: 300_000 });
    return r.ms;
  });
  const id = (await dockerOk(d.sock, ["image", "inspect", "--format", "{{.Id}}", TAG])).stdout.trim();
  if (id !== archive.configDigest) throw new Error(`${step}: loaded image id ${id}, expected ${archive.configDigest}`);
  await halt(d);
  return ms;
}

function berthCliLoad(sock: string, path: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(process.execPath, [BERTH_CLI, "-H", `unix://${sock}`, "load", "-i", path], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (c) => { err = (err + c).slice(-2000); });
    p.on("error", reject);
    p.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code === 0) resolvePromise(ms);
      else reject(new Error(`berth load exited ${code}: ${err}`));
    });
  });
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "berth-bench-load-"));
  cleanups.add("work dir", () => rm(work, { recursive: true, force: true }));
  const rootfsOpts = { ...(opt("--rootfs") ? { rootfs: opt("--rootfs")! } : {}), generated: flag("--generated"), log };
  const archive = await phase("build the archive", () => dockerSaveArchive(work, TAG, rootfsOpts));
  const archiveBytes = (await stat(archive.path)).size;
  log(`archive: ${archive.layers} layers, ${(archive.plainBytes / 1048576).toFixed(1)} MiB of layer tars, ${(archiveBytes / 1048576).toFixed(1)} MiB in all (${archive.source})`);

  const useDocker = !flag("--no-docker") && existsSync("/usr/sbin/dockerd");
  const steps: Step[] = ["berthd (docker CLI)", ...(useDocker ? ["dockerd (docker CLI)" as const] : []), ...(flag("--no-berth-cli") ? [] : ["berthd (berth CLI)" as const]), ...(BEFORE ? ["berthd before (docker CLI)" as const] : [])];
  const results = new Map<Step, number[]>(steps.map((s) => [s, []]));
  // Before timing: the archive's writeback done, and 65 s for ext4 to stop skipping inodes
  // deleted just before (by an earlier invocation's cleanup, say): see README-pull.md.
  await settle(65_000);
  for (let r = 0; r < RUNS && !cleanups.stopping; r++) {
    // Rotate the order, so no step always follows the same other step's writes.
    const order = steps.map((_, i) => steps[(i + r) % steps.length]!);
    for (const step of order) results.get(step)!.push(await timedLoad(step, archive));
    log(`run ${r + 1}/${RUNS}: ${order.map((s) => `${s} ${results.get(s)!.at(-1)!.toFixed(0)} ms`).join(", ")} (load ${loadavg()[0]!.toFixed(1)})`);
  }

  console.log(`load benchmark: ${archive.layers} layers, ${(archive.plainBytes / 1048576).toFixed(1)} MiB plain, ${archive.source} (docker save archive, ${(archiveBytes / 1048576).toFixed(1)} MiB), fresh daemon per load, ${RUNS} runs; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} at the end`);
  // Per run, berth over docker: both loads of a run met the same machine minute.
  const perRun = (i: number) => {
    const b = results.get("berthd (docker CLI)")?.[i];
    const d = results.get("dockerd (docker CLI)")?.[i];
    return b !== undefined && d !== undefined ? b / d : undefined;
  };
  const withRatio = steps.includes("dockerd (docker CLI)");
  printTable(["run", ...steps, ...(withRatio ? ["berth/docker"] : [])], Array.from({ length: RUNS }, (_, i) => [String(i + 1), ...steps.map((s) => `${results.get(s)![i]?.toFixed(0) ?? "-"} ms`), ...(withRatio ? [`${perRun(i)?.toFixed(2) ?? "-"}x`] : [])]));
  const med = (s: Step) => (results.get(s)?.length ? median(results.get(s)!) : undefined);
  console.log(`medians: ${steps.map((s) => `${s} ${med(s)!.toFixed(0)} ms`).join(", ")}`);
  const b = med("berthd (docker CLI)");
  const d = med("dockerd (docker CLI)");
  if (b !== undefined && d !== undefined) {
    const ratios = Array.from({ length: RUNS }, (_, i) => perRun(i)).filter((r): r is number => r !== undefined);
    console.log(`ratio berth/docker (docker load), of the medians: ${(b / d).toFixed(2)}x; median of the per-run ratios: ${median(ratios).toFixed(2)}x (below 1: berth is faster)`);
  }
  const o = med("berthd before (docker CLI)");
  if (o !== undefined && b !== undefined) console.log(`ratio berthd / berthd before (${BEFORE}): ${(b / o).toFixed(2)}x`);
  const c = med("berthd (berth CLI)");
  if (c !== undefined && d !== undefined) console.log(`ratio berth CLI + berthd / docker:         ${(c / d).toFixed(2)}x`);
}

main().catch((e) => {
  process.exitCode = 1;
  console.error(e);
}).finally(() => cleanups.run());
