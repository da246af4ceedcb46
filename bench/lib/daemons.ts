/**
 * Daemons for the side-by-side benchmarks: a private berthd (dist/src/bin/berthd.js) and a
 * private Debian dockerd, each on its own socket, data root and exec root. Unlike the test
 * helpers (test/helpers/daemon.ts, registry.ts) the daemons run in their own session
 * (detached), so a Ctrl-C at the terminal reaches only the benchmark, whose handler then
 * removes the containers through the API before stopping the daemons; otherwise berthd would
 * stop on the same SIGINT and leave every container behind.
 *
 * cleanup() is idempotent and leaves nothing: containers removed through the API (bounded in
 * time), the daemon stopped, then by force whatever is left (container cgroups' processes,
 * shims, mounts under the directory), the directory deleted. It returns what had to be forced.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, rmdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { nftTableName } from "../../src/daemon/options.js";
import { containerCgroups, mountsUnder } from "../../test/helpers/daemon.js";
import { dockerCli, dockerOk, runBounded } from "./docker.js";

export type DaemonKind = "berthd" | "dockerd";

export interface BenchDaemon {
  kind: DaemonKind;
  dir: string;
  sock: string;
  /** The daemon's pid. */
  pid: number;
  /** Removes every container (docker rm -f in batches), stops the daemon, forces the rest. */
  cleanup(): Promise<string[]>;
}

const BERTHD = resolve("dist/src/bin/berthd.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (p: ChildProcess) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once("exit", () => r())));

async function stopProcess(p: ChildProcess, graceMs: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill("SIGTERM");
  const t = setTimeout(() => p.kill("SIGKILL"), graceMs);
  await exited(p);
  clearTimeout(t);
}

/** Removes all containers of the daemon through the CLI, 100 ids per `docker rm -f`. */
export async function removeAll(sock: string, timeoutMs = 180_000): Promise<void> {
  const ps = await dockerCli(sock, ["ps", "-aq", "--no-trunc"], { timeoutMs: 60_000 });
  const ids = ps.stdout.split("\n").filter(Boolean);
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += 100) batches.push(ids.slice(i, i + 100));
  await runBounded(batches, 4, (b) => dockerCli(sock, ["rm", "-f", ...b], { timeoutMs }));
}

async function unmountAndRemove(dir: string, forced: string[], mountsReported: boolean): Promise<void> {
  for (const m of (await mountsUnder(dir)).sort().reverse()) {
    if (mountsReported) forced.push(`mount ${m}`);
    spawnSync("umount", ["-l", m]);
  }
  await rm(dir, { recursive: true, force: true });
}

/**
 * A daemon's stderr goes to daemon.log in its directory, never to a pipe: a benchmark blocked in
 * spawnSync does not drain a pipe, and a daemon whose 64 KiB pipe is full stops in its next log
 * write (dockerd logs a line or more per container). Returns the fd for spawn's stdio (the
 * child keeps its own copy; ours is closed once the child has it, by the caller's spawn).
 */
function daemonLog(dir: string): number {
  const fd = openSync(join(dir, "daemon.log"), "a");
  setImmediate(() => closeSync(fd));
  return fd;
}

/** The end of a daemon's log, for error messages. */
function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, "daemon.log"), "utf8").slice(-5000);
  } catch {
    return "";
  }
}

/** Where a daemon's directory (socket, data root, exec root) is made. */
export interface DaemonDirOptions {
  /** Parent of the daemon's directory (default /tmp; the image benchmarks pass $TMPDIR). */
  parentDir?: string;
  /** startBerthd: another build's berthd.js (default dist/src/bin/berthd.js), to compare builds. */
  berthd?: string;
}

/** `extraArgs`: more berthd flags (e.g. a private --bridge/--bip so side-by-side daemons never share a bridge). */
export async function startBerthd(extraArgs: readonly string[] = [], opts: DaemonDirOptions = {}): Promise<BenchDaemon> {
  const dir = await mkdtemp(join(opts.parentDir ?? "/tmp", "bd-bench-"));
  const sock = join(dir, "docker.sock");
  const dataRoot = join(dir, "data");
  const execRoot = join(dir, "exec");
  // BERTH_BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to see where berthd's time goes.
  const nodeArgs = (process.env.BERTH_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, opts.berthd ?? BERTHD, "-H", `unix://${sock}`, "--data-root", dataRoot, "--exec-root", execRoot, "--pidfile", join(dir, "berthd.pid"), "--log-level", "warn", ...extraArgs], { stdio: ["ignore", "ignore", daemonLog(dir)], detached: true });
  const stderr = () => logTail(dir);
  let cleaned: Promise<string[]> | undefined;
  const cleanup = () => (cleaned ??= (async () => {
    const forced: string[] = [];
    if (proc.exitCode === null && proc.signalCode === null) {
      await removeAll(sock).catch((e) => forced.push(`docker rm -f failed: ${(e as Error).message.slice(0, 200)}`));
      await stopProcess(proc, 15_000);
    }
    const containersDir = join(dataRoot, "containers");
    const ids = existsSync(containersDir) ? readdirSync(containersDir) : [];
    for (const id of ids) {
      for (const cg of containerCgroups(id)) {
        forced.push(`cgroup ${cg}`);
        const procs = (await readFile(join(cg, "cgroup.procs"), "utf8").catch(() => "")).split("\n").filter(Boolean);
        for (const pid of procs) try { process.kill(Number(pid), "SIGKILL"); } catch { /* gone */ }
      }
    }
    const runtimeDir = join(execRoot, "runtime");
    for (const id of existsSync(runtimeDir) ? readdirSync(runtimeDir).filter((n) => !n.startsWith(".")) : []) {
      const pid = Number((await readFile(join(runtimeDir, id, "shim.pid"), "utf8").catch(() => "")).trim());
      if (pid > 0) {
        forced.push(`shim ${pid}`);
        try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
      }
    }
    await sleep(100);
    for (const id of ids) {
      for (const cg of containerCgroups(id)) {
        for (let i = 0; i < 50; i++) {
          try { await rmdir(cg); break; } catch { await sleep(50); }
        }
      }
    }
    // berthd leaves its firewall table and its bridges in the kernel when it stops (live restore
    // adopts them at the next start); a benchmark daemon never starts again, so they go with it.
    // Left behind, every leaked table's hooks cost each packet of later network measurements.
    spawnSync("nft", ["delete", "table", "inet", nftTableName(execRoot)], { stdio: "ignore" });
    const bridgeAt = extraArgs.indexOf("--bridge");
    const bridge = bridgeAt >= 0 ? extraArgs[bridgeAt + 1] : extraArgs.find((a) => a.startsWith("--bridge="))?.slice("--bridge=".length);
    if (bridge && bridge !== "none") spawnSync("ip", ["link", "delete", bridge], { stdio: "ignore" });
    await unmountAndRemove(dir, forced, true);
    return forced;
  })());
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) {
      const log = stderr();
      await cleanup();
      throw new Error(`berthd exited with ${proc.exitCode}: ${log}`);
    }
    if (existsSync(sock) && (await dockerCli(sock, ["version"], { timeoutMs: 10_000 })).code === 0) return { kind: "berthd", dir, sock, pid: proc.pid!, cleanup };
    await sleep(100);
  }
  const log = stderr();
  await cleanup();
  throw new Error(`berthd did not answer on ${sock}: ${log}`);
}

/**
 * Debian's dockerd (20.10) with no bridge and no iptables; it starts its own containerd under
 * the exec root (no system containerd runs here). Its container mounts live under the data root.
 */
export async function startDockerd(opts: DaemonDirOptions = {}): Promise<BenchDaemon> {
  if (!existsSync("/usr/sbin/dockerd")) throw new Error("bench: dockerd is not installed (apt-get install docker.io)");
  const dir = await mkdtemp(join(opts.parentDir ?? "/tmp", "berth-bench-dockerd-"));
  const sock = join(dir, "docker.sock");
  const proc = spawn("/usr/sbin/dockerd", [
    "--host", `unix://${sock}`, "--data-root", join(dir, "data"), "--exec-root", join(dir, "exec"), "--pidfile", join(dir, "dockerd.pid"),
    "--iptables=false", "--ip6tables=false", "--bridge=none",
  ], { stdio: ["ignore", "ignore", daemonLog(dir)], detached: true });
  const stderr = () => logTail(dir);
  let cleaned: Promise<string[]> | undefined;
  const cleanup = () => (cleaned ??= (async () => {
    const forced: string[] = [];
    if (proc.exitCode === null && proc.signalCode === null) {
      await removeAll(sock).catch((e) => forced.push(`docker rm -f failed: ${(e as Error).message.slice(0, 200)}`));
      // dockerd stops its remaining containers (10 s each, in parallel) and its containerd.
      await stopProcess(proc, 60_000);
    }
    // Shims whose containers outlived a forced stop: containerd-shim processes naming our root.
    for (const pid of processesMatching((cmd) => cmd.includes("containerd-shim") && cmd.includes(dir))) {
      forced.push(`containerd-shim ${pid}`);
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    }
    await unmountAndRemove(dir, forced, false);
    return forced;
  })());
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) {
      const log = stderr();
      await cleanup();
      throw new Error(`dockerd exited with ${proc.exitCode}: ${log}`);
    }
    if (existsSync(sock) && (await dockerCli(sock, ["version"], { timeoutMs: 10_000 })).code === 0) return { kind: "dockerd", dir, sock, pid: proc.pid!, cleanup };
    await sleep(150);
  }
  const log = stderr();
  await cleanup();
  throw new Error(`dockerd did not answer on ${sock}: ${log}`);
}

/** Pids whose command line (NULs as spaces) satisfies the predicate. */
export function processesMatching(pred: (cmdline: string) => boolean): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "latin1").replaceAll("\0", " ");
      if (pred(cmd)) out.push(Number(name));
    } catch { /* gone */ }
  }
  return out;
}

/** Loads berth's busybox into dockerd (docker save | docker load), so both run the same image. */
export async function copyBusybox(from: BenchDaemon, to: BenchDaemon): Promise<void> {
  const image = (await dockerOk(from.sock, ["save", "busybox"], { timeoutMs: 60_000 })).stdoutBuf;
  await dockerOk(to.sock, ["load"], { input: image, timeoutMs: 60_000 });
}
