import { open, rename, unlink } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";

export interface AtomicWriteOptions {
  mode?: number;
  /**
   * fsync the file and its directory (default true). Volatile state (under /run: gone after a
   * reboot together with the processes it describes) only needs atomicity, not durability.
   */
  durable?: boolean;
}

/**
 * Writes `data` to `path` so that readers see the old content or the new, never a torn file:
 * write a sibling temp file, fsync it, rename it over, fsync the directory. The third argument
 * is the file mode (number) or options.
 */
export async function atomicWrite(path: string, data: string | Uint8Array, modeOrOpts: number | AtomicWriteOptions = {}): Promise<void> {
  const opts: AtomicWriteOptions = typeof modeOrOpts === "number" ? { mode: modeOrOpts } : modeOrOpts;
  const mode = opts.mode ?? 0o644;
  const durable = opts.durable ?? true;
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const fh = await open(tmp, "wx", mode);
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  if (!durable) return;
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
