import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { EngineError, internal, invalidArgument } from "../../errors/EngineError.js";
import type { SnapshotMount } from "./Snapshotter.js";

const run = promisify(execFile);

/**
 * Mounts snapshot mounts onto `target` in order, with mount(8) (util-linux), honouring `cwd` for
 * relative overlay lowerdirs. On failure, whatever was mounted is unmounted again and both errors
 * are reported. Needs root (CAP_SYS_ADMIN).
 */
export async function mountAll(mounts: readonly SnapshotMount[], target: string): Promise<void> {
  if (mounts.length === 0) throw invalidArgument("mount rootfs: no mounts given");
  const done: number[] = [];
  try {
    for (const [i, m] of mounts.entries()) {
      const args = mountArgs(m, target);
      try {
        await run("mount", args, { cwd: m.cwd ?? "/" });
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw internal(`mount rootfs: mount -t ${m.type} on ${target} failed: ${(err.stderr ?? err.message).trim()}`, { cause: e });
      }
      done.push(i);
    }
  } catch (e) {
    const cleanupErrors: unknown[] = [];
    for (const _ of done) {
      try {
        await unmount(target);
      } catch (ce) {
        cleanupErrors.push(ce);
      }
    }
    if (e instanceof EngineError) throw new EngineError(e.kind, e.message, { cause: e.cause, cleanupErrors });
    throw e;
  }
}

function mountArgs(m: SnapshotMount, target: string): string[] {
  const opts = [...m.options];
  const bind = m.type === "bind" || opts.includes("bind") || opts.includes("rbind");
  if (bind) {
    // mount(8) applies "ro" of a bind with a second remount itself.
    const flags = opts.filter((o) => o !== "bind" && o !== "rbind");
    const kind = opts.includes("rbind") ? "rbind" : "bind";
    return ["--no-mtab", "-o", [kind, ...flags].join(","), m.source, target];
  }
  if (opts.some((o) => o.includes(",") && !o.startsWith("lowerdir="))) throw invalidArgument(`mount rootfs: option with a comma: ${JSON.stringify(opts)}`);
  return ["--no-mtab", "-t", m.type, "-o", opts.join(","), m.source, target];
}

/** Unmounts one mount at `target` (lazy fallback is not used: a busy rootfs is an error). */
export async function unmount(target: string): Promise<void> {
  try {
    await run("umount", [target]);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw internal(`unmount ${target}: ${(err.stderr ?? err.message).trim()}`, { cause: e });
  }
}

/** Is anything mounted exactly at `path`? (reads /proc/self/mountinfo) */
export async function isMountPoint(path: string): Promise<boolean> {
  const abs = resolve(path);
  const info = await readFile("/proc/self/mountinfo", "utf8");
  return info.split("\n").some((line) => {
    const mp = line.split(" ")[4];
    return mp !== undefined && unescapeMountinfo(mp) === abs;
  });
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Unmounts everything stacked at `target` (mountAll may have mounted several layers there). */
export async function unmountAll(target: string): Promise<void> {
  for (let i = 0; i < 64 && (await isMountPoint(target)); i++) await unmount(target);
  if (await isMountPoint(target)) throw internal(`unmount ${target}: still mounted after 64 unmounts`);
}
