/**
 * A berthd for end-to-end tests: started from dist/src/bin/berthd.js on a short temporary
 * socket (/tmp/bd-XXXX/docker.sock) with its own data and exec roots, driven with the real
 * docker CLI. cleanup() removes every container through the API, stops the daemon, then makes
 * sure nothing is left: shims and container processes killed through their cgroups, cgroups
 * removed, mounts under the directory unmounted, the directory deleted.
 *
 * Networking: each daemon has its own default bridge (bt<hex>), --bip and address pool (random
 * parts of 10.200.0.0/13) and, from its exec root, its own nft table, so parallel daemons never
 * collide. cleanup() removes user networks through the API; afterwards veths left on the
 * daemon's bridges, bridges of removed networks and netns files are leaks (reported and
 * removed); the default bridge and the nft table are the daemon's own state and are removed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, rmdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createHash, randomBytes, randomInt } from "node:crypto";
import { reserveRange } from "./addressRanges.js";

export const DOCKER_CLI = process.env.BERTH_TEST_DOCKER_CLI ?? "/usr/local/bin/docker";
const BERTHD = resolve("dist/src/bin/berthd.js");

export interface DockerRun { code: number | null; stdout: string; stderr: string }

export interface TestDaemon {
  dir: string;
  /** The default bridge's interface, its gateway/prefix (--bip) and the address pool's base. */
  bridge: string;
  bip: string;
  pool: string;
  /** The daemon's nft table (family inet). */
  nftTable: string;
  sock: string;
  dataRoot: string;
  execRoot: string;
  /** Runs the docker CLI against this daemon. */
  docker(args: string[], opts?: { stdin?: string; timeoutMs?: number }): Promise<DockerRun>;
  /** Like docker(), but throws with stderr unless the exit status is 0; returns trimmed stdout. */
  ok(args: string[]): Promise<string>;
  /** The daemon's stderr so far (for assertion messages). */
  log(): string;
  /** kill -9 the daemon (containers keep running). */
  crash(): Promise<void>;
  /** Starts the daemon again on the same roots (after crash() or stop()). */
  restart(): Promise<void>;
  /** SIGTERM, wait for exit. */
  stop(): Promise<void>;
  /** Everything this daemon made is gone afterwards; returns what had to be cleaned by force. */
  cleanup(): Promise<string[]>;
}

export function daemonSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (mounts, cgroups, namespaces)";
  if (!existsSync(DOCKER_CLI)) return `docker CLI not found at ${DOCKER_CLI}`;
  if (!existsSync(BERTHD)) return `${BERTHD} not built (npx tsc -p .)`;
  return undefined;
}

const CONTROLLERS = ["memory", "cpu", "cpuacct", "cpuset", "pids", "freezer", "devices", "blkio", "systemd", "unified"];

/** cgroup directories of container `id` (berthd's default parent /berth). */
export function containerCgroups(id: string): string[] {
  return CONTROLLERS.map((c) => `/sys/fs/cgroup/${c}/berth/${id}`).filter((p) => existsSync(p));
}

export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8");
  return text.split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(dir + "/"));
}

/** `args`: more berthd flags (e.g. --userland-proxy=false, --icc=false). */
export async function startTestDaemon(opts: { args?: string[] } = {}): Promise<TestDaemon> {
  const dir = await mkdtemp("/tmp/bd-");
  const sock = join(dir, "docker.sock");
  const dataRoot = join(dir, "data");
  const execRoot = join(dir, "exec");
  const home = join(dir, "home");
  let proc: ChildProcess | null = null;
  let stderr = "";
  // bip in 10.200-203.x.0/24, the pool in 10.204-207.y.0/20: one daemon's ranges never overlap,
  // and each is reserved against the other test daemons running meanwhile (addressRanges.ts).
  const bridge = `bt${randomBytes(5).toString("hex")}`;
  const bipRange = reserveRange(() => `10.${200 + randomInt(4)}.${randomInt(256)}.0/24`);
  const poolRange = reserveRange(() => `10.${204 + randomInt(4)}.${16 * randomInt(16)}.0/20`);
  const bip = bipRange.cidr.replace(/\.0\/24$/, ".1/24");
  const pool = poolRange.cidr;
  const nftTable = `berth_${createHash("sha256").update(execRoot).digest("hex").slice(0, 8)}`;

  const launch = async () => {
    const p = spawn(process.execPath, [BERTHD, "-H", `unix://${sock}`, "--data-root", dataRoot, "--exec-root", execRoot, "--pidfile", join(dir, "berthd.pid"), "--log-level", "debug",
      // Tests reach the host and netns of their own, never beyond: leave the host's ip_forward alone.
      "--bridge", bridge, "--bip", bip, "--default-address-pool", `base=${pool},size=24`, "--ip-forward=false", ...(opts.args ?? [])], { stdio: ["ignore", "ignore", "pipe"] });
    proc = p;
    let own = "";
    p.stderr!.on("data", (d) => {
      own += d;
      stderr = (stderr + d).slice(-20000);
    });
    for (let i = 0; i < 200; i++) {
      if (p.exitCode !== null) throw new Error(`berthd exited with ${p.exitCode}: ${stderr}`);
      if (own.includes("API listen on")) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`berthd did not come up: ${stderr}`);
  };
  const exited = (p: ChildProcess) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once("exit", () => r())));

  const docker = (args: string[], opts: { stdin?: string; timeoutMs?: number } = {}) =>
    new Promise<DockerRun>((resolvePromise, reject) => {
      const p = spawn(DOCKER_CLI, args, {
        env: { PATH: process.env.PATH, HOME: home, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(home, ".docker") },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (err += d));
      const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
      p.on("error", reject);
      p.on("close", (code) => {
        clearTimeout(timer);
        resolvePromise({ code, stdout: out, stderr: err });
      });
      p.stdin.end(opts.stdin);
    });

  const d: TestDaemon = {
    dir, sock, dataRoot, execRoot, bridge, bip, pool, nftTable,
    docker,
    async ok(args) {
      const r = await docker(args);
      if (r.code !== 0) throw new Error(`docker ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
      return r.stdout.trim();
    },
    log: () => stderr,
    async crash() {
      const p = proc!;
      p.kill("SIGKILL");
      await exited(p);
    },
    restart: launch,
    async stop() {
      const p = proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      p.kill("SIGTERM");
      const t = setTimeout(() => p.kill("SIGKILL"), 15_000);
      await exited(p);
      clearTimeout(t);
    },
    async cleanup() {
      const forced: string[] = [];
      const p = proc as ChildProcess | null;
      const userBridges: string[] = [];
      if (p && p.exitCode === null && p.signalCode === null) {
        const ids = (await docker(["ps", "-aq", "--no-trunc"])).stdout.split("\n").filter(Boolean);
        if (ids.length > 0) await docker(["rm", "-f", ...ids]);
        userBridges.push(...(await removeUserNetworks(docker)));
        await d.stop();
      }
      // The safety net: whatever the daemon did not clean is a leak the test should report.
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
      await new Promise((r) => setTimeout(r, 100));
      for (const id of ids) {
        for (const cg of containerCgroups(id)) {
          for (let i = 0; i < 50; i++) {
            try {
              await rmdir(cg);
              break;
            } catch {
              await new Promise((r) => setTimeout(r, 50));
            }
          }
        }
      }
      forced.push(...(await networkLeftovers({ bridge, userBridges, netnsDir: join(execRoot, "netns"), nftTable })));
      // Only the default bridge's /24 (one of 1,024): pools of concurrent test daemons can coincide.
      forced.push(...proxyLeftovers([bip]));
      for (const m of (await mountsUnder(dir)).sort().reverse()) {
        forced.push(`mount ${m}`);
        spawnSync("umount", ["-l", m]);
      }
      await rm(dir, { recursive: true, force: true });
      bipRange.release();
      poolRange.release();
      return forced;
    },
  };
  // The CLI keeps its config in the test directory, never in root's home.
  await mkdir(join(home, ".docker"), { recursive: true });
  try {
    await launch();
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  return d;
}

/** Removes every user-defined network through the API; returns their bridge interfaces. */
async function removeUserNetworks(docker: (args: string[]) => Promise<DockerRun>): Promise<string[]> {
  const rows = (await docker(["network", "ls", "--no-trunc", "--format", "{{.ID}} {{.Name}}"])).stdout.split("\n").filter(Boolean);
  const ids = rows.map((r) => r.split(" ")).filter(([, name]) => !["bridge", "host", "none"].includes(name)).map(([id]) => id);
  if (ids.length === 0) return [];
  const r = await docker(["network", "inspect", ...ids]);
  const nets = r.code === 0 ? (JSON.parse(r.stdout) as { Id: string; Options?: Record<string, string> }[]) : [];
  await docker(["network", "rm", ...ids]);
  return nets.map((n) => n.Options?.["com.docker.network.bridge.name"] || `br-${n.Id.slice(0, 12)}`);
}

const linkExists = (name: string) => spawnSync("ip", ["link", "show", "dev", name], { stdio: "ignore" }).status === 0;

/** Interfaces enslaved to `bridge` (the containers' host-side veths). */
export function bridgePorts(bridge: string): string[] {
  const r = spawnSync("ip", ["-o", "link", "show", "master", bridge], { encoding: "utf8" });
  if (r.status !== 0) return [];
  return r.stdout.split("\n").map((l) => /^\d+:\s*([^:@\s]+)/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
}

/** nft tables (inet) of the host. */
export function nftTables(): string[] {
  const r = spawnSync("nft", ["list", "tables"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.split("\n").filter(Boolean).map((l) => l.trim()) : [];
}

/**
 * What a stopped test daemon must not have left: veths on its bridges, bridges of networks it
 * removed, netns files. Each is removed and reported. Its default bridge and nft table are the
 * daemon's state (a real daemon keeps them across restarts): removed, not reported.
 */
/** IPv4 "a.b.c.d" inside "net/len"? */
function inSubnet(ip: string, cidr: string): boolean {
  const num = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const [net, len] = cidr.split("/");
  const mask = Number(len) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(len));
  return (num(ip) & mask) >>> 0 === (num(net!) & mask) >>> 0;
}

/**
 * berth-proxy processes (detached, so they outlive the daemon by design) that still forward to
 * an address of this daemon's networks: a container's published ports outlived its teardown.
 */
function proxyLeftovers(subnets: string[]): string[] {
  const forced: string[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (!argv[0]?.endsWith("berth-proxy")) continue;
    const targets = argv.slice(1).map((a) => a.split(":")[3]).filter((ip): ip is string => !!ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip));
    if (!targets.some((ip) => subnets.some((s) => inSubnet(ip, s)))) continue;
    forced.push(`berth-proxy ${name} (${argv.slice(1).join(" ")})`);
    try { process.kill(Number(name), "SIGKILL"); } catch { /* gone */ }
  }
  return forced;
}

async function networkLeftovers(o: { bridge: string; userBridges: string[]; netnsDir: string; nftTable: string }): Promise<string[]> {
  const forced: string[] = [];
  for (const br of [o.bridge, ...o.userBridges]) {
    for (const port of bridgePorts(br)) {
      forced.push(`veth ${port} on ${br}`);
      spawnSync("ip", ["link", "delete", port]);
    }
  }
  for (const br of o.userBridges) {
    if (!linkExists(br)) continue;
    forced.push(`bridge ${br}`);
    spawnSync("ip", ["link", "delete", br]);
  }
  if (linkExists(o.bridge)) spawnSync("ip", ["link", "delete", o.bridge]);
  for (const f of existsSync(o.netnsDir) ? readdirSync(o.netnsDir) : []) {
    forced.push(`netns ${join(o.netnsDir, f)}`);
    spawnSync("umount", ["-l", join(o.netnsDir, f)]);
    await rm(join(o.netnsDir, f), { force: true });
  }
  if (nftTables().includes(`table inet ${o.nftTable}`)) spawnSync("nft", ["delete", "table", "inet", o.nftTable]);
  return forced;
}

/**
 * Runs `fn` against a fresh test daemon, then cleans up and fails if the daemon left anything
 * behind (the cleanup's forced list must be empty); after a failure of `fn` it only cleans up.
 */
export async function withTestDaemon(fn: (d: TestDaemon) => Promise<void>, opts: { args?: string[] } = {}): Promise<void> {
  const d = await startTestDaemon(opts);
  try {
    await fn(d);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  const left = await d.cleanup();
  if (left.length > 0) throw new Error(`berthd left these behind: ${left.join(", ")}\n${d.log()}`);
}
