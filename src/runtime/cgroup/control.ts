import { join } from "node:path";
import { EngineError, failedPrecondition, invalidArgument, wrapError } from "../../errors/EngineError.js";
import type { CgroupFs } from "./cgroupFs.js";

/**
 * Reading and writing single control files, with kernel errors turned into EngineErrors that
 * name the OCI field and value (so "memory.limit = 1024 rejected: below current usage" reaches
 * the user instead of a bare EBUSY).
 */

export function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** The errno of `e` or of the first error down its `cause` chain that has one (through EngineError wrapping). */
export function causeErrno(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && depth < 8; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = errnoOf(cur);
    if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code;
  }
  return undefined;
}

export interface WriteOptions {
  /** The OCI field the value came from, for the message ("memory.limit"). */
  field: string;
  /** What an EBUSY from this file means (memory limits: below current usage). */
  busyMeans?: string;
}

export async function writeControl(fs: CgroupFs, dir: string, file: string, value: string, opts: WriteOptions): Promise<void> {
  const path = join(dir, file);
  try {
    await fs.writeFile(path, value);
  } catch (e) {
    const code = errnoOf(e);
    const shown = JSON.stringify(value);
    if (code === "EBUSY" && opts.busyMeans) {
      throw invalidArgument(`${opts.field}: value ${shown} rejected by the kernel: ${opts.busyMeans} (${file}: EBUSY)`, { cause: e });
    }
    if (code === "EINVAL" || code === "ERANGE" || code === "EBUSY" || code === "EOVERFLOW" || code === "ENOSPC") {
      throw invalidArgument(`${opts.field}: value ${shown} rejected by the kernel (${file}: ${code})`, { cause: e });
    }
    if (code === "ENOENT") {
      throw failedPrecondition(`${opts.field}: control file ${path} does not exist (controller not available here)`, { cause: e });
    }
    throw wrapError(e, `${opts.field}: write ${shown} to ${path}`);
  }
}

export async function readControl(fs: CgroupFs, dir: string, file: string): Promise<string> {
  try {
    return (await fs.readFile(join(dir, file))).trim();
  } catch (e) {
    throw wrapError(e, `read ${join(dir, file)}`);
  }
}

/** The file's trimmed content, or undefined when the file does not exist. */
export async function readOptional(fs: CgroupFs, dir: string, file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(join(dir, file))).trim();
  } catch (e) {
    if (errnoOf(e) === "ENOENT") return undefined;
    throw wrapError(e, `read ${join(dir, file)}`);
  }
}

export async function hasFile(fs: CgroupFs, dir: string, file: string): Promise<boolean> {
  return fs.exists(join(dir, file));
}

/** Integers as decimal strings without exponent notation (1e21 would be "1e+21" otherwise). */
export function intString(n: number): string {
  return BigInt(Math.trunc(n)).toString();
}

/**
 * Values at or above 2^62 are the kernel's "no limit" (v1 prints PAGE_COUNTER_MAX pages, i.e.
 * 9223372036854771712); v2 prints "max". Both become Infinity.
 */
export function parseLimit(text: string): number {
  const t = text.trim();
  if (t === "max") return Infinity;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new EngineError("Internal", `parse cgroup limit: unexpected value ${JSON.stringify(t)}`);
  return n >= 2 ** 62 ? Infinity : n;
}

export function parseNumber(text: string, what: string): number {
  const n = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(n)) throw new EngineError("Internal", `parse ${what}: unexpected value ${JSON.stringify(text)}`);
  return n;
}

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat, memory.events, oom_control). */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 2) continue;
    const n = Number(parts[1]);
    if (Number.isFinite(n)) out.set(parts[0]!, n);
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
