/**
 * Unix socket file handling for the API server: a stale socket left by a crashed daemon is
 * removed, but only when nothing answers on it (two daemons must never share a socket), and
 * only when it is a socket (never delete a regular file someone pointed us at).
 */
import { lstat, unlink, chmod, chown, stat } from "node:fs/promises";
import { connect } from "node:net";
import { conflict, invalidArgument, wrapError } from "../errors/EngineError.js";

function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
  });
}

export async function removeStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw wrapError(e, `check socket ${path}`);
  }
  if (!st.isSocket()) throw invalidArgument(`listen on ${path}: path exists and is not a socket`);
  if (await probe(path)) throw conflict(`listen on ${path}: another process is already listening on this socket`);
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw wrapError(e, `remove stale socket ${path}`);
  }
}

/** Mode 0660 (owner and group only, like docker.sock), optionally handed to a group. */
export async function secureSocket(path: string, gid: number | undefined): Promise<{ dev: number; ino: number }> {
  if (gid !== undefined) await chown(path, process.getuid?.() ?? 0, gid);
  await chmod(path, 0o660);
  const st = await stat(path);
  return { dev: st.dev, ino: st.ino };
}

/** Removes the socket file on shutdown if it is still the one we created. */
export async function removeOwnSocket(path: string, id: { dev: number; ino: number } | null): Promise<void> {
  if (!id) return;
  try {
    const st = await lstat(path);
    if (st.dev === id.dev && st.ino === id.ino) await unlink(path);
  } catch {
    // already gone: nothing to clean
  }
}
