import { lstat } from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { EngineError, invalidArgument, notFound } from "../../../errors/EngineError.js";
import { extractInto, type ExtractOptions } from "./extractInto.js";
import { goFileMode, type ContainerPathStat } from "./pathStat.js";
import { resolveInRoot } from "./resolveInRoot.js";
import { tarPath } from "./tarPath.js";
import type { RootAccess } from "./containerRoot.js";
import type { BindMount } from "./bindMounts.js";

/** Docker resolves the final component only when the path ends in a separator or "/." (moby ResolvePath). */
function followsFinal(path: string): boolean {
  return path.endsWith("/") || path.endsWith("/.");
}

function notThere(path: string, container: string): EngineError {
  return notFound(`Could not find the file ${path} in container ${container}`);
}

/** Stat of a path in the container (HEAD /archive): lstat semantics for the final link, linkTarget resolved in the container. */
export async function statContainerPath(root: string, path: string, containerName: string): Promise<ContainerPathStat> {
  if (!path) throw invalidArgument("path cannot be empty");
  const r = await resolveInRoot(root, path, followsFinal(path));
  const st = await lstat(r.host).catch(() => null);
  if (!st) throw notThere(path, containerName);
  let linkTarget = "";
  if (st.isSymbolicLink()) linkTarget = (await resolveInRoot(root, r.inContainer, true)).inContainer;
  return { name: posix.basename(r.inContainer) || "/", size: st.size, mode: goFileMode(st), mtime: st.mtime.toISOString(), linkTarget };
}

/**
 * GET /archive: the path as a tar whose entries are named after the requested path's last
 * element (moby's rebase), released (temporary mount) when the stream ends or is abandoned.
 */
export async function archiveContainerPath(access: RootAccess, path: string, containerName: string): Promise<{ stat: ContainerPathStat; tar: Readable }> {
  try {
    const stat = await statContainerPath(access.root, path, containerName);
    const r = await resolveInRoot(access.root, path, followsFinal(path));
    const trimmed = path.replace(/\/+$/, "");
    const name = path.endsWith("/.") ? "." : posix.basename(trimmed) || posix.basename(r.inContainer) || ".";
    const gen = (async function* () {
      try {
        yield* tarPath(r.host, name);
      } finally {
        await access.release();
      }
    })();
    return { stat, tar: Readable.from(gen, { objectMode: false }) };
  } catch (e) {
    await access.release().catch(() => {});
    throw e;
  }
}

function hasCode(e: unknown, code: string): boolean {
  for (let c = e, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
    if ((c as NodeJS.ErrnoException).code === code) return true;
  }
  return false;
}

/** The bind mount whose destination holds `path` most closely (a volume inside a bind wins), if any. */
function innermostBind(binds: readonly BindMount[], path: string): BindMount | undefined {
  let best: BindMount | undefined;
  for (const b of binds) {
    const d = posix.normalize(b.destination).replace(/\/+$/, "") || "/";
    const holds = d === "/" || path === d || path.startsWith(`${d}/`);
    if (holds && (!best || d.length >= posix.normalize(best.destination).replace(/\/+$/, "").length)) best = b;
  }
  return best;
}

/** PUT /archive: the destination must be an existing directory (links followed in the container). */
export async function extractToContainerPath(access: RootAccess, path: string, tar: AsyncIterable<Uint8Array>, opts: ExtractOptions & { containerName: string }): Promise<void> {
  try {
    if (!path) throw invalidArgument("path cannot be empty");
    const r = await resolveInRoot(access.root, path, true);
    const st = await lstat(r.host).catch(() => null);
    if (!st) throw notThere(path, opts.containerName);
    if (!st.isDirectory()) throw invalidArgument("extraction point is not a directory");
    if (access.binds && innermostBind(access.binds, r.inContainer)?.readOnly) throw invalidArgument("mounted volume is marked read-only");
    await extractInto(r.host, tar, opts).catch((e: unknown) => {
      // The rootfs itself is never read-only here (--read-only is refused before), so a
      // read-only file system is a read-only volume or bind: Docker's words for it.
      if (hasCode(e, "EROFS")) throw invalidArgument("mounted volume is marked read-only", { cause: e });
      throw e;
    });
  } finally {
    await access.release();
  }
}
