// Runtime cycle benchmark: create -> start -> wait -> delete of /bin/true in a busybox bundle,
// once (cold) and 100 times in sequence, for berth in-engine (library calls in this process),
// the berth-runtime CLI, and Debian's runc and crun; then the PSS of berth-shim for N idle
// containers. Run as root after `npx tsc -p . && make -C native`:
//   node dist/bench/runtime-cycle.js [--n 100] [--idle 10]
// The CLIs are driven through their `run` verb (create+start+wait+delete in one invocation, as
// a CLI user would), each loop inside one `sh` so process-start overhead is the CLI's own.
// crun 1.8 refuses the hybrid cgroup layout unless /sys/fs/cgroup/unified is hidden, so it
// runs in a private mount namespace with that mount removed.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { makeBusyboxBundle } from "../test/helpers/bundle.js";
import { linuxRuntimeContext } from "../src/runtime/linuxContext.js";
import { createContainer } from "../src/runtime/lifecycle/create.js";
import { startContainer } from "../src/runtime/lifecycle/start.js";
import { deleteContainer } from "../src/runtime/lifecycle/delete.js";
import { waitForExit } from "../src/runtime/waitExit.js";
import { containerDir, readRecord } from "../src/runtime/containerStore.js";
import type { RuntimeContext } from "../src/runtime/RuntimeContext.js";

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = opt("--n", 100);
const IDLE = opt("--idle", 10);
const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../src/bin/berth-runtime.js");
const tag = `berth-bench-${process.pid}`;

async function inEngineCycle(ctx: RuntimeContext, bundle: string, id: string): Promise<void> {
  await createContainer(ctx, { id, bundle, stdio: "ignore" });
  await startContainer(ctx, id);
  const rec = await readRecord(ctx.root, id);
  const exit = await waitForExit(ctx.sys, { dir: containerDir(ctx.root, id), shimPid: rec.shimPid, shimStartTime: rec.shimStartTime });
  if (!exit || exit.kind !== "exited" || exit.code !== 0) throw new Error(`bench: ${id} ended with ${JSON.stringify(exit, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
  await deleteContainer(ctx, id);
}

async function timeInEngine(ctx: RuntimeContext, bundle: string, n: number, prefix: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await inEngineCycle(ctx, bundle, `${prefix}-${i}`);
  return Number(process.hrtime.bigint() - t0) / 1e6 / n;
}

/** ms per cycle for a shell loop of `<cmd> run` invocations. */
function timeCli(label: string, runCmd: (id: string) => string, n: number, prefix: string, wrap = (s: string) => ["sh", "-c", s]): number {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const script = ids.map((id) => `${runCmd(id)} >/dev/null 2>&1 </dev/null || { echo "${label} failed for ${id}" >&2; exit 1; }`).join("\n");
  const [cmd, ...rest] = wrap(script);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, rest, { stdio: ["ignore", "inherit", "inherit"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / n;
  if (r.status !== 0) throw new Error(`bench: ${label} loop failed (exit ${r.status})`);
  return ms;
}

function pssKiB(pid: number): number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  return Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("bench: needs root");
  const base = await mkdtemp(join(tmpdir(), "berth-bench-"));
  try {
    const b = await makeBusyboxBundle(join(base, "bundle"), { args: ["/bin/true"], readonlyRoot: true, dockerCapabilities: true });
    const ctx = linuxRuntimeContext({ root: join(base, "berth"), seccompCacheDir: join(base, "seccomp") });
    const roots = { cli: join(base, "berth-cli"), runc: join(base, "runc"), crun: join(base, "crun") };
    const rows: { name: string; one: number; many: number }[] = [];

    const inEngineOne = await timeInEngine(ctx, b.bundle, 1, `${tag}-e1`);
    rows.push({ name: "berth (in-engine)", one: inEngineOne, many: await timeInEngine(ctx, b.bundle, N, `${tag}-en`) });

    const berthCli = (id: string) => `node ${BIN} --root ${roots.cli} run --bundle ${b.bundle} ${id}`;
    rows.push({ name: "berth-runtime CLI", one: timeCli("berth-runtime", berthCli, 1, `${tag}-c1`), many: timeCli("berth-runtime", berthCli, N, `${tag}-cn`) });

    if (existsSync("/usr/sbin/runc") || existsSync("/usr/bin/runc")) {
      const runc = (id: string) => `runc --root ${roots.runc} run --bundle ${b.bundle} ${id}`;
      rows.push({ name: "runc", one: timeCli("runc", runc, 1, `${tag}-r1`), many: timeCli("runc", runc, N, `${tag}-rn`) });
    }
    if (existsSync("/usr/bin/crun")) {
      const crun = (id: string) => `crun --root ${roots.crun} run --bundle ${b.bundle} ${id}`;
      const hideUnified = (s: string) => ["unshare", "-m", "sh", "-c", `umount /sys/fs/cgroup/unified 2>/dev/null; ${s}`];
      rows.push({ name: "crun", one: timeCli("crun", crun, 1, `${tag}-k1`, hideUnified), many: timeCli("crun", crun, N, `${tag}-kn`, hideUnified) });
    }

    const refs = ["runc", "crun"].map((n) => rows.find((r) => r.name === n)).filter((r) => r !== undefined);
    console.log(`runtime cycle: create -> start -> wait -> delete of /bin/true (busybox bundle), ms per cycle`);
    console.log(`${"runtime".padEnd(20)} ${"1 (cold)".padStart(10)} ${`${N} seq`.padStart(10)}${refs.map((ref) => `   vs ${ref.name} (1 / ${N})`.padEnd(26)).join("")}`);
    for (const r of rows) console.log(`${r.name.padEnd(20)} ${r.one.toFixed(1).padStart(10)} ${r.many.toFixed(1).padStart(10)}${refs.map((ref) => `   ${(r.one / ref.one).toFixed(2)}x / ${(r.many / ref.many).toFixed(2)}x`.padEnd(26)).join("")}`);

    // Density: PSS of each idle container's shim.
    const idleB = await makeBusyboxBundle(join(base, "idle"), { args: ["sleep", "100000"] });
    const ids: string[] = [];
    const pss: number[] = [];
    try {
      for (let i = 0; i < IDLE; i++) {
        const id = `${tag}-idle-${i}`;
        await createContainer(ctx, { id, bundle: idleB.bundle, stdio: "ignore" });
        ids.push(id);
        await startContainer(ctx, id);
      }
      for (const id of ids) pss.push(pssKiB((await readRecord(ctx.root, id)).shimPid));
    } finally {
      for (const id of ids) await deleteContainer(ctx, id, { force: true }).catch((e: Error) => console.error(`bench: cleanup ${id}: ${e.message}`));
    }
    // The launcher (one per runtime context, not per container; see docs/architecture.md).
    const launcher = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).find((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").includes("\0launcher\0") && /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] === String(process.pid);
      } catch {
        return false;
      }
    });
    if (launcher) console.log(`berth-shim launcher (one per engine): PSS ${pssKiB(Number(launcher))} KiB`);
    const avg = pss.reduce((a, x) => a + x, 0) / pss.length;
    console.log(`berth-shim PSS with ${IDLE} idle containers: ${avg.toFixed(0)} KiB each on average (min ${Math.min(...pss)}, max ${Math.max(...pss)}; total ${(pss.reduce((a, x) => a + x, 0) / 1024).toFixed(2)} MiB)`);
  } finally {
    for (const tool of ["runc", "crun"]) {
      const root = join(base, tool);
      if (existsSync(root)) spawnSync("sh", ["-c", `for d in ${root}/*/; do [ -d "$d" ] && ${tool} --root ${root} delete --force "$(basename "$d")"; done`], { stdio: "ignore" });
    }
    await rm(base, { recursive: true, force: true });
  }
}

await main();
