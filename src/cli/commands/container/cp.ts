import { cp as copyPath, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { requireArgs } from "../../commandKit.js";
import { StatusError } from "../../errors.js";
import { flagBool, parseFlags } from "../../flags.js";
import type { CliCommand, CliContext } from "../../io.js";

const USAGE = "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH";

/** "c:/path" → ["c", "/path"]; a local path (absolute, ./x, or without a colon) → [undefined, path]. */
function splitArg(a: string): [string | undefined, string] {
  if (a.startsWith("/") || a.startsWith(".")) return [undefined, a];
  const i = a.indexOf(":");
  return i <= 0 ? [undefined, a] : [a.slice(0, i), a.slice(i + 1)];
}

/** Go's os.ModeDir bit in the path stat's mode. */
const isDirMode = (mode: number) => Math.floor(mode / 2 ** 31) % 2 === 1;

async function fromContainer(ctx: CliContext, container: string, src: string, dest: string): Promise<void> {
  const { tar } = await ctx.client().containers.getArchive(container, src);
  if (dest === "-") {
    await pipeline(tar, ctx.stdout, { end: false });
    return;
  }
  const { x } = await import("tar");
  const target = resolve(dest);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) {
    await pipeline(tar, x({ cwd: target, preserveOwner: false }));
    return;
  }
  // Copy to a new name: extract next to it, then rename the archive's top entry into place.
  const staging = await mkdtemp(join(dirname(target), ".berth-cp-"));
  try {
    await pipeline(tar, x({ cwd: staging, preserveOwner: false }));
    await rename(join(staging, basename(src.replace(/\/+$/, "")) || "."), target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function toContainer(ctx: CliContext, src: string, container: string, dest: string, followLink: boolean): Promise<void> {
  const client = ctx.client();
  if (src === "-") {
    await client.containers.putArchive(container, dest, ctx.stdin as Readable);
    return;
  }
  const source = resolve(src);
  await stat(source).catch(() => { throw new StatusError(`lstat ${source}: no such file or directory`, 1); });
  const destStat = await client.containers.statPath(container, dest).catch(() => undefined);
  const { c } = await import("tar");
  if (destStat && isDirMode(destStat.mode)) {
    await client.containers.putArchive(container, dest, Readable.from(c({ cwd: dirname(source), portable: false, follow: followLink }, [basename(source)])));
    return;
  }
  // A new name inside the container: stage a copy under that name, archive it, extract in the parent.
  const staging = await mkdtemp(join(dirname(source), ".berth-cp-"));
  try {
    const name = basename(dest.replace(/\/+$/, ""));
    await copyPath(source, join(staging, name), { recursive: true, verbatimSymlinks: !followLink, preserveTimestamps: true });
    await client.containers.putArchive(container, dirname(dest) || "/", Readable.from(c({ cwd: staging, portable: false }, [name])));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** `berth cp`: files between the host and a container, through the archive API. */
export const command: CliCommand = {
  usage: USAGE,
  summary: "Copy files/folders between a container and the local filesystem",
  async run(argv, ctx) {
    const p = parseFlags(argv, [{ long: "archive", short: "a" }, { long: "follow-link", short: "L" }, { long: "quiet", short: "q" }], "cp", { interspersed: true });
    requireArgs(p, "cp", USAGE, { exact: 2 });
    const [srcC, src] = splitArg(p.args[0]!);
    const [destC, dest] = splitArg(p.args[1]!);
    if (srcC && destC) throw new StatusError("copying between containers is not supported", 1);
    if (!srcC && !destC) throw new StatusError("must specify at least one container source", 1);
    if (srcC) await fromContainer(ctx, srcC, src, dest);
    else await toContainer(ctx, src, destC!, dest, flagBool(p, "follow-link"));
    return 0;
  },
};
