// Daemon run latency through the real docker CLI: `docker run --rm busybox true` (create,
// attach, wait, start, exit, auto-remove), `docker run -d busybox true` (create + start) and
// `docker exec c true` into a running container, with `docker version` as the CLI's floor,
// against berthd and against Debian's dockerd (containerd + runc) side by side. Both daemons run
// on private sockets and roots (berthd as in bench/lib/daemons.ts, at --log-level warn, and
// under the V8 profiler with BERTH_BENCH_NODE_ARGS; dockerd from the test helpers); dockerd gets
// berth's busybox through `docker save | docker load`, so both run the same image.
// --network none (the default) gives both daemons containers without networking; --network
// bridge measures each daemon's default bridge network (what a plain `docker run` gets): berthd
// on a private bridge with its nftables rules, dockerd on a private bridge made here and
// without iptables rules (--iptables=false, so the host's FORWARD policy is left alone; that
// spares dockerd work berthd does). Run as root after `npx tsc -p .`:
//   node dist/bench/daemon-run.js [--n 20] [--no-docker] [--network none|bridge]
// --no-docker measures berthd alone; compare with dockerd's numbers recorded in bench/README.md.
// The rows "... at the API" make the same requests as `docker exec c true` and `docker run --rm
// busybox true` straight on the daemon's socket (bench/lib/apiClient.ts), without the CLI's
// start-up, /_ping and gaps: the daemons' own latency. They run after the CLI rows, in this
// process's event loop with no spawnSync in between (the daemons are processes of their own).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, randomInt } from "node:crypto";
import { DOCKER_CLI } from "../test/helpers/daemon.js";
import { startBerthd } from "./lib/daemons.js";
import { dockerdSkipReason, startTestDockerd } from "../test/helpers/registry.js";
import { execTrue, negotiate, removeContainer, runRmTrue, startSleeper, type ApiTarget } from "./lib/apiClient.js";

const args = process.argv.slice(2);
const nIdx = args.indexOf("--n");
const N = nIdx >= 0 ? Number(args[nIdx + 1]) : 20;
const NO_DOCKER = args.includes("--no-docker");
// --network bridge measures berthd's default bridge (with --no-docker: dockerd runs without one).
const netIdx = args.indexOf("--network");
const NETWORK = netIdx >= 0 ? args[netIdx + 1]! : "none";
if (args.includes("--help")) {
  console.log("usage: node dist/bench/daemon-run.js [--n 20] [--no-docker] [--network none|bridge]");
  process.exit(0);
}
// A private default bridge (not berth0, which other daemons of the host may use), removed at the end.
const BRIDGE = `bt${randomBytes(4).toString("hex")}`;
const BERTHD_ARGS = ["--bridge", BRIDGE, "--bip", `10.${200 + randomInt(8)}.${randomInt(256)}.1/24`, "--ip-forward=false"];
if (NETWORK !== "none" && NETWORK !== "bridge") throw new Error("bench: --network is none or bridge");
// dockerd's bridge: made here with an address of its own (dockerd takes the subnet from it).
const DOCKER_BRIDGE = `bd${randomBytes(4).toString("hex")}`;
const DOCKER_BRIDGE_CIDR = `10.${200 + randomInt(8)}.${randomInt(256)}.1/24`;
function sh(argv: string[]): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
}

function cli(sock: string, argv: string[], input?: Buffer, timeoutMs = 120_000): { ms: number; stdout: Buffer } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(DOCKER_CLI, ["-H", `unix://${sock}`, ...argv], { input, maxBuffer: 1 << 28, timeout: timeoutMs, killSignal: "SIGKILL", env: { PATH: process.env.PATH, HOME: "/tmp", DOCKER_CONFIG: "/tmp/berth-bench-docker-config" } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`docker -H ${sock} ${argv.join(" ")}: ${r.signal ? `killed (${r.signal}) after ${timeoutMs / 1000} s` : `exit ${r.status}`}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/**
 * A timed command that may hang: Debian's dockerd 20.10 now and then never answers a run or an
 * exec (seen a few times per thousand commands here). Such a command is killed after 20 s,
 * reported and left out rather than ending the benchmark.
 */
function tolerant(sock: string, argv: string[]): { ms: number; stdout: Buffer } | undefined {
  try {
    return cli(sock, argv, undefined, 20_000);
  } catch (e) {
    console.error(`bench: ${(e as Error).message.slice(0, 200)} (left out)`);
    return undefined;
  }
}

function stats(xs: number[]): { median: number; mean: number; p90: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], mean: s.reduce((a, b) => a + b, 0) / s.length, p90: s[Math.min(s.length - 1, Math.floor(s.length * 0.9))] };
}

function measure(sock: string): { rm: number[]; detached: number[]; exec: number[]; floor: number[]; cold: number } {
  console.error(`bench: measuring ${sock}`);
  const cold = cli(sock, ["run", "--rm", "--network", NETWORK, "busybox", "true"]).ms;
  const rm: number[] = [];
  for (let i = 0; i < N; i++) {
    const r = tolerant(sock, ["run", "--rm", "--network", NETWORK, "busybox", "true"]);
    if (r) rm.push(r.ms);
  }
  const detached: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const r = tolerant(sock, ["run", "-d", "--network", NETWORK, "busybox", "true"]);
    if (!r) continue;
    detached.push(r.ms);
    ids.push(r.stdout.toString().trim());
  }
  // `docker exec c true` in one running container: create the exec, attach, start, exit code.
  const target = cli(sock, ["run", "-d", "--network", NETWORK, "busybox", "sleep", "3600"]).stdout.toString().trim();
  ids.push(target);
  const exec: number[] = [];
  for (let i = 0; i < N; i++) {
    const r = tolerant(sock, ["exec", target, "true"]);
    if (r) exec.push(r.ms);
  }
  // The CLI's own floor: one round trip that does no container work.
  const floor: number[] = [];
  for (let i = 0; i < N; i++) floor.push(cli(sock, ["version", "--format", "{{.Server.Version}}"]).ms);
  // Untimed cleanup. Debian's dockerd 20.10 sometimes never finishes removing a batch of
  // containers: that is reported, not fatal (stopping it below cleans its roots).
  try {
    cli(sock, ["rm", "-f", ...ids]);
  } catch (e) {
    console.error(`bench: cleanup on ${sock}: ${(e as Error).message.slice(0, 200)}`);
  }
  return { rm, detached, exec, floor, cold };
}

/** An API row's samples, or why it was aborted. */
type ApiRow = { xs: number[] } | { error: string };

/**
 * N timed repetitions of one API sequence after one untimed warm-up (the CLI rows' daemon is warm
 * from their own first command). The first failing request aborts the row: its error is the row.
 */
async function apiRow(label: string, fn: () => Promise<number>): Promise<ApiRow> {
  const xs: number[] = [];
  try {
    await fn();
    for (let i = 0; i < N; i++) xs.push(await fn());
    return { xs };
  } catch (e) {
    const error = `${(e as Error).message} (after ${xs.length} of ${N})`;
    console.error(`bench: ${label} aborted: ${error}`);
    return { error };
  }
}

/**
 * The API rows for one daemon: exec into a running `sleep 3600` container, and run --rm, each as
 * the CLI asks for them (bench/lib/apiClient.ts), at the version the CLI negotiates with it.
 */
async function measureApi(sock: string, clientApi: string): Promise<{ version: string; exec: ApiRow; rm: ApiRow }> {
  console.error(`bench: measuring ${sock} at the API`);
  const t: ApiTarget = await negotiate(sock, clientApi);
  let exec: ApiRow;
  let sleeper: string | undefined;
  try {
    sleeper = await startSleeper(t, NETWORK);
    const target = sleeper;
    exec = await apiRow("exec at the API", () => execTrue(t, target));
  } catch (e) {
    exec = { error: `set-up: ${(e as Error).message}` };
  } finally {
    if (sleeper) await removeContainer(t, sleeper).catch((e) => console.error(`bench: cleanup: ${(e as Error).message}`));
  }
  let current: string | undefined;
  const rm = await apiRow("run --rm at the API", async () => {
    current = undefined;
    const ms = await runRmTrue(t, NETWORK, (id) => { current = id; });
    current = undefined;
    return ms;
  });
  // A sequence that failed half-way leaves its container: remove it (untimed, best effort).
  if (current) await removeContainer(t, current).catch((e) => console.error(`bench: cleanup: ${(e as Error).message}`));
  return { version: t.prefix.slice(2), exec, rm };
}

/**
 * `docker exec c true` against a stand-in daemon answering from memory at once
 * (bench/lib/execStub.ts): what the docker CLI alone spends on an exec, the floor below which no
 * daemon's exec can go through it.
 */
async function execFloor(): Promise<number[]> {
  const dir = mkdtempSync("/tmp/berth-bench-execstub-");
  const sock = join(dir, "docker.sock");
  const stub = spawn(process.execPath, [new URL("./lib/execStub.js", import.meta.url).pathname, sock], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await new Promise<void>((resolve, reject) => {
      stub.stdout!.once("data", () => resolve());
      stub.once("exit", (code) => reject(new Error(`bench: the exec stub exited with ${code}`)));
    });
    const xs: number[] = [];
    for (let i = 0; i < N; i++) xs.push(cli(sock, ["exec", "c", "true"]).ms);
    return xs;
  } finally {
    stub.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (NO_DOCKER) return berthOnly();
  const skip = dockerdSkipReason();
  if (skip) throw new Error(`bench: ${skip}`);
  const berth = await startBerthd(BERTHD_ARGS);
  let dockerd: Awaited<ReturnType<typeof startTestDockerd>> | undefined;
  const dockerBridge = NETWORK === "bridge";
  try {
    if (dockerBridge) {
      sh(["ip", "link", "add", "name", DOCKER_BRIDGE, "type", "bridge"]);
      sh(["ip", "addr", "add", DOCKER_BRIDGE_CIDR, "dev", DOCKER_BRIDGE]);
      sh(["ip", "link", "set", DOCKER_BRIDGE, "up"]);
    }
    dockerd = await startTestDockerd(dockerBridge ? { bridge: DOCKER_BRIDGE } : {});
    const image = cli(berth.sock, ["save", "busybox"]).stdout;
    cli(dockerd.sock, ["load"], image);
    const clientApi = cli(berth.sock, ["version", "--format", "{{.Client.DefaultAPIVersion}}"]).stdout.toString().trim();
    const b = measure(berth.sock);
    const d = measure(dockerd.sock);
    const stubExec = await execFloor();
    // No spawnSync from here to the table: the API rows' client runs in this event loop.
    const ba = await measureApi(berth.sock, clientApi);
    const da = await measureApi(dockerd.sock, clientApi);
    const row = (label: string, bx: number[], dx: number[]) => {
      if (bx.length === 0 || dx.length === 0) return console.log(`${label.padEnd(34)} (no sample: every command of a daemon was left out)`);
      const sb = stats(bx);
      const sd = stats(dx);
      console.log(`${label.padEnd(34)} ${sb.median.toFixed(1).padStart(8)} ${sd.median.toFixed(1).padStart(9)} ${(sb.median / sd.median).toFixed(2).padStart(7)}   (mean ${sb.mean.toFixed(1)} / ${sd.mean.toFixed(1)}, p90 ${sb.p90.toFixed(1)} / ${sd.p90.toFixed(1)})`);
    };
    console.log(`docker CLI ${DOCKER_CLI}, --network ${NETWORK}, ${N} runs each, median ms per command (berthd / dockerd)`);
    console.log(`${"".padEnd(34)} ${"berthd".padStart(8)} ${"dockerd".padStart(9)} ${"ratio".padStart(7)}`);
    row("first run --rm busybox true", [b.cold], [d.cold]);
    row("run --rm busybox true", b.rm, d.rm);
    row("run -d busybox true", b.detached, d.detached);
    row("exec (running container) true", b.exec, d.exec);
    row("version (the CLI's floor)", b.floor, d.floor);
    row("exec, instant stub daemon (CLI floor)", stubExec, d.exec);
    const apiRowLine = (label: string, bx: ApiRow, dx: ApiRow) => {
      if ("error" in bx || "error" in dx) {
        const why = [..."error" in bx ? [`berthd: ${bx.error}`] : [], ..."error" in dx ? [`dockerd: ${dx.error}`] : []];
        return console.log(`${label.padEnd(34)} (aborted: ${why.join("; ")})`);
      }
      row(label, bx.xs, dx.xs);
    };
    apiRowLine("run --rm at the API", ba.rm, da.rm);
    apiRowLine("exec at the API", ba.exec, da.exec);
    console.log(`API rows: no CLI, at /v${ba.version} (berthd) and /v${da.version} (dockerd), the versions the CLI (up to API ${clientApi}) negotiates`);
    const version = cli(dockerd.sock, ["version", "--format", "{{.Server.Version}}"]).stdout.toString().trim();
    console.log(`dockerd ${version} (Debian docker.io), berthd ${cli(berth.sock, ["version", "--format", "{{.Server.Version}}"]).stdout.toString().trim()}`);
  } finally {
    await dockerd?.stop();
    if (dockerBridge) spawnSync("ip", ["link", "del", DOCKER_BRIDGE]);
    const forced = await berth.cleanup();
    if (forced.length > 0) console.error(`bench: berthd left ${forced.join(", ")}`);
  }
}

/** berthd alone: the same measurements, no ratio. */
async function berthOnly(): Promise<void> {
  const berth = await startBerthd(BERTHD_ARGS);
  try {
    const clientApi = cli(berth.sock, ["version", "--format", "{{.Client.DefaultAPIVersion}}"]).stdout.toString().trim();
    const b = measure(berth.sock);
    const stubExec = await execFloor();
    const ba = await measureApi(berth.sock, clientApi);
    const row = (label: string, xs: number[]) => {
      if (xs.length === 0) return console.log(`${label.padEnd(34)} (no sample: every command was left out)`);
      const s = stats(xs);
      console.log(`${label.padEnd(34)} ${s.median.toFixed(1).padStart(8)}   (mean ${s.mean.toFixed(1)}, p90 ${s.p90.toFixed(1)})`);
    };
    const apiRowLine = (label: string, r: ApiRow) => ("error" in r ? console.log(`${label.padEnd(34)} (aborted: ${r.error})`) : row(label, r.xs));
    console.log(`docker CLI ${DOCKER_CLI}, ${N} runs each, median ms per command (berthd only, --no-docker)`);
    row("first run --rm busybox true", [b.cold]);
    row("run --rm busybox true", b.rm);
    row("run -d busybox true", b.detached);
    row("exec (running container) true", b.exec);
    row("version (the CLI's floor)", b.floor);
    row("exec, instant stub daemon (CLI floor)", stubExec);
    apiRowLine("run --rm at the API", ba.rm);
    apiRowLine("exec at the API", ba.exec);
    console.log(`API rows: no CLI, at /v${ba.version}, the version the CLI (up to API ${clientApi}) negotiates`);
  } finally {
    const forced = await berth.cleanup();
    if (forced.length > 0) console.error(`bench: berthd left ${forced.join(", ")}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
