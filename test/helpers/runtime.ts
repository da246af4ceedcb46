import { existsSync, readdirSync, readFileSync, openSync, closeSync } from "node:fs";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { linuxRuntimeContext, defaultShimPath } from "../../src/runtime/linuxContext.js";
import type { RuntimeContext } from "../../src/runtime/RuntimeContext.js";
import { createContainer, type CreateOptions } from "../../src/runtime/lifecycle/create.js";
import { startContainer } from "../../src/runtime/lifecycle/start.js";
import { deleteContainer } from "../../src/runtime/lifecycle/delete.js";
import { readRecord, containerDir } from "../../src/runtime/containerStore.js";
import { waitForExit } from "../../src/runtime/waitExit.js";
import type { ExitRecord } from "../../src/runtime/exitRecord.js";
import { listContainers } from "../../src/runtime/lifecycle/list.js";
import { makeBusyboxBundle, type BusyboxBundle, type BusyboxBundleOptions } from "./bundle.js";

/** Why root integration tests of the runtime cannot run here, or undefined if they can. */
export function runtimeSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (namespaces, mounts, cgroups)";
  if (!existsSync(defaultShimPath())) return `berth-shim not built at ${defaultShimPath()} (make -C native)`;
  if (!existsSync("/bin/busybox")) return "needs busybox-static (/bin/busybox)";
  return undefined;
}

export function uniqueId(prefix = "berth-test"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export interface TestRuntime {
  ctx: RuntimeContext;
  base: string;
  /** A fresh busybox bundle in its own directory. */
  bundle(opts?: BusyboxBundleOptions): Promise<BusyboxBundle>;
  /** create + start with stdout/stderr into a file; returns the id and the output reader. */
  start(b: BusyboxBundle, id?: string, extra?: Partial<CreateOptions>): Promise<{ id: string; pid: number; output(): Promise<string> }>;
  /** Waits for the container's exit record. */
  wait(id: string, timeoutMs?: number): Promise<ExitRecord | null>;
  /** Runs to completion: returns the exit record and the output, and deletes the container. */
  run(b: BusyboxBundle, timeoutMs?: number): Promise<{ exit: ExitRecord | null; output: string }>;
  cleanup(): Promise<void>;
}

/** A runtime over a temporary state root; cleanup force-deletes whatever containers remain. */
export async function makeTestRuntime(): Promise<TestRuntime> {
  const base = await mkdtemp(join(tmpdir(), "berth-test-rt-"));
  const ctx = linuxRuntimeContext({ root: join(base, "state"), seccompCacheDir: join(base, "seccomp") });
  let n = 0;
  const outFiles: number[] = [];
  const t: TestRuntime = {
    ctx,
    base,
    bundle: async (opts) => makeBusyboxBundle(await mkdtemp(join(base, `b${n++}-`)), opts),
    async start(b, id = uniqueId(), extra = {}) {
      const out = join(base, `${id}.out`);
      const fd = openSync(out, "w+");
      outFiles.push(fd);
      try {
        const r = await createContainer(ctx, { id, bundle: b.bundle, stdio: { stdin: "ignore", stdout: fd, stderr: fd }, ...extra });
        await startContainer(ctx, id);
        return { id, pid: r.pid, output: () => readFile(out, "utf8") };
      } finally {
        closeSync(fd);
        outFiles.pop();
      }
    },
    async wait(id, timeoutMs = 20_000) {
      const rec = await readRecord(ctx.root, id);
      return waitForExit(ctx.sys, { dir: containerDir(ctx.root, id), shimPid: rec.shimPid, shimStartTime: rec.shimStartTime }, { timeoutMs });
    },
    async run(b, timeoutMs) {
      const c = await t.start(b);
      const exit = await t.wait(c.id, timeoutMs);
      const output = await c.output();
      await deleteContainer(ctx, c.id, { force: true });
      return { exit, output };
    },
    async cleanup() {
      const errors: string[] = [];
      for (const c of await listContainers(ctx).catch(() => [])) {
        await deleteContainer(ctx, c.id, { force: true }).catch((e: Error) => errors.push(`${c.id}: ${e.message}`));
      }
      await rm(base, { recursive: true, force: true }).catch((e: Error) => errors.push(e.message));
      if (errors.length) throw new Error(`test runtime cleanup: ${errors.join("; ")}`);
    },
  };
  return t;
}

/** Leftovers of a container id anywhere on the host: cgroup dirs, mounts, processes. Empty = clean. */
export function leftovers(id: string, paths: { stateDir?: string; rootfs?: string } = {}): string[] {
  const found: string[] = [];
  if (paths.stateDir && existsSync(paths.stateDir)) found.push(`state dir ${paths.stateDir}`);
  for (const h of safeReaddir("/sys/fs/cgroup")) {
    const d = join("/sys/fs/cgroup", h, "berth", id);
    if (existsSync(d)) found.push(`cgroup ${d}`);
  }
  const mi = readFileSync("/proc/self/mountinfo", "utf8");
  for (const line of mi.split("\n")) if (line.includes(id) || (paths.rootfs && line.includes(paths.rootfs))) found.push(`mount ${line}`);
  for (const p of safeReaddir("/proc")) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      if (/\) Z /.test(stat)) continue;
    } catch {
      continue;
    }
    if (cmd.includes(id)) found.push(`process ${p}: ${cmd.replace(/\0/g, " ")}`);
  }
  return found;
}

function safeReaddir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}
