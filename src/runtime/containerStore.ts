import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Hook, Process } from "../oci/runtime.js";
import { validateId } from "../util/ids.js";
import { notFound, internal } from "../errors/EngineError.js";

/** What berth records about a container in its state directory (state.json). */
export interface ContainerRecord {
  id: string;
  ociVersion: string;
  bundle: string;
  rootfs: string;
  /** Container init pid in the host pid namespace (0 while creating). */
  pid: number;
  /** /proc/PID/stat start time of the init, to tell it from a later process with the same pid. */
  pidStartTime: string;
  shimPid: number;
  shimStartTime: string;
  /** Cgroup path given to the manager; "" if the container has none. */
  cgroupsPath: string;
  /** Set once `start` saw execve succeed. */
  started: boolean;
  created: string;
  annotations?: Record<string, string>;
  /** Hooks run by TypeScript, kept here so `delete` does not depend on the bundle still existing. */
  poststart?: Hook[];
  poststop?: Hook[];
  /** Seccomp program, so `exec` confines joining processes the same way. */
  seccompPath?: string;
  seccompFlags?: number;
  /** Namespaces of the container as plan names ("net", "mnt", ...): `exec` joins these. */
  namespaces: string[];
  /** The container's cgroup.procs files, so `exec` puts its process in the same cgroup. */
  procsFiles: string[];
  /** The spec's process: the template `exec` starts from (runc keeps the config likewise). */
  process?: Process;
}

export function containerDir(root: string, id: string): string {
  return join(root, validateId(id));
}

export const RECORD_FILE = "state.json";

export async function readRecord(root: string, id: string): Promise<ContainerRecord> {
  const dir = containerDir(root, id);
  for (let attempt = 1; ; attempt++) {
    let text: string;
    try {
      // Synchronous: a few hundred bytes from the page cache; the thread-pool round trip of the
      // async call costs ten times the read, and every lifecycle verb reads the record.
      text = readFileSync(join(dir, RECORD_FILE), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw notFound(`container ${id}: does not exist`);
      throw e;
    }
    // A record's first write goes straight into the new file (writeRecord): between its
    // creation and that write the file is empty, which is the same as not written yet.
    if (text.length === 0) throw notFound(`container ${id}: does not exist`);
    try {
      return JSON.parse(text) as ContainerRecord;
    } catch (e) {
      // Another process may have read while an in-place rewrite was copied in (writeRecord).
      if (attempt < 3) continue;
      throw internal(`container ${id}: corrupt ${join(dir, RECORD_FILE)}`, { cause: e });
    }
  }
}

/** A record that fits one page is rewritten in place (see writeRecord). */
const IN_PLACE_MAX = 4096;

export interface WriteRecordOptions {
  /**
   * The record's first write (its directory was just made): the file is created with its
   * content in one write, without the in-place attempt (which can only find no file) and
   * without a temporary file and rename (a record of one page cannot be read half-written,
   * and an empty one reads as missing, see readRecord).
   */
  fresh?: boolean;
}

export async function writeRecord(root: string, rec: ContainerRecord, opts: WriteRecordOptions = {}): Promise<void> {
  // Runtime state is volatile (like the processes it describes): not fsynced, and written
  // synchronously into the page cache, as readRecord reads.
  const dir = containerDir(root, rec.id);
  const path = join(dir, RECORD_FILE);
  const text = JSON.stringify(rec, null, 1) + "\n";
  const small = Buffer.byteLength(text) <= IN_PLACE_MAX;
  if (opts.fresh && small) return createWithContent(path, text);
  if (!opts.fresh && small && rewriteInPlace(path, text)) return;
  const tmp = join(dir, `.${RECORD_FILE}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* never made, or already renamed */
    }
    throw e;
  }
}

/** Creates a new record file (EEXIST if there is one) with one write of at most a page. */
function createWithContent(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const body = Buffer.from(text);
    const n = writeSync(fd, body, 0, body.length, 0);
    if (n !== body.length) throw internal(`write ${path}: short write (${n} of ${body.length} bytes)`);
  } catch (e) {
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
    throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * Rewrites an existing record of at most one page with one write(2) at offset 0, padded with
 * spaces (valid JSON) to the old length so nothing is truncated: a process killed around it
 * leaves the old or the new record, never a mix. Replacing the file by rename costs ~130 µs
 * on this ext4 (a rename over an existing file starts its writeback: auto_da_alloc) against
 * ~5 µs, and a container's create and start write the record three times. False: no such
 * file, or a larger one (then the caller renames a new file in).
 */
function rewriteInPlace(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  try {
    const old = fstatSync(fd).size;
    if (old > IN_PLACE_MAX) return false;
    const body = Buffer.from(text);
    const data = body.length >= old ? body : Buffer.concat([body, Buffer.alloc(old - body.length, " ")]);
    const n = writeSync(fd, data, 0, data.length, 0);
    if (n !== data.length) throw internal(`write ${path}: short write (${n} of ${data.length} bytes)`);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Ids of every container directory under root (a missing root is an empty list). */
export async function listIds(root: string): Promise<string[]> {
  try {
    const names = await readdir(root, { withFileTypes: true });
    return names.filter((d) => d.isDirectory() && !d.name.startsWith(".")).map((d) => d.name).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

export async function ensureRoot(root: string): Promise<void> {
  mkdirSync(root, { recursive: true, mode: 0o711 });
}
