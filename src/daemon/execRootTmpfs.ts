/**
 * berthd's exec root (runtime state, shim sockets, netns files: what must not outlive a boot)
 * on a tmpfs of its own when the host's is on disk.
 *
 * Docker hosts keep /run on a tmpfs; where it is on disk (this project's CI machine), every
 * container start and removal creates and deletes a dozen small files there (state.json, the
 * exit record, ctl.sock, shim.pid, netns files, made-ahead directories). On journal-less ext4
 * each inode allocation then scans past every inode deleted in the last minutes
 * (ext4's recently_deleted()), so the churn itself slows the next start down: a tmpfs exec
 * root took `docker run --rm` from ~36 to ~32 ms here. It also makes a reboot clear the state,
 * as the exec root's contract says, instead of leaving stale pids and sockets on disk.
 *
 * The tmpfs outlives the daemon while containers live (the next berthd adopts them from it) and
 * is unmounted at a stop that leaves none. An exec root already on a tmpfs or ramfs is used as
 * it is; one on disk that holds an earlier daemon's container state or mounts stays on disk
 * (a tmpfs would hide them).
 */
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { statfsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { mountAll, unmount, type MountSys } from "../image/snapshot/mountAll.js";

/** The mount's source as /proc/self/mountinfo shows it: how a stop knows the tmpfs is berth's. */
export const EXEC_ROOT_SOURCE = "berth-exec-root";

const IN_MEMORY = new Set([0x01021994 /* tmpfs */, 0x858458f6 /* ramfs */]);

type Log = (level: "debug" | "info" | "warn" | "error", msg: string) => void;

export interface ExecRootPlacement {
  /** What was found or done, for the log and tests. */
  how: "in memory already" | "mounted" | "on disk";
  /** At stop: unmounts berth's tmpfs if no container state and no mount is left in it. */
  release(): Promise<void>;
}

/** One line of /proc/self/mountinfo: mount point, filesystem type and source. */
interface MountLine {
  mountPoint: string;
  fstype: string;
  source: string;
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountinfo(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (dash < 0 || fields.length < dash + 3 || fields[4] === undefined) continue;
    out.push({ mountPoint: unescape(fields[4]), fstype: fields[dash + 1]!, source: unescape(fields[dash + 2]!) });
  }
  return out;
}

/** What berth itself keeps directly in an exec root (the runtime's, the network's). */
const OWN_DIRS = ["runtime", "netns", "netns-pool"];

/** What must outlive the daemon in an exec root: a container's state or netns mount, or undefined. */
async function liveState(execRoot: string, mounts: MountLine[]): Promise<string | undefined> {
  const below = mounts.find((m) => m.mountPoint.startsWith(`${execRoot}/`));
  if (below) return `has mounts below it (${below.mountPoint})`;
  // Container state directories are named by container id; made-ahead and deleted ones start with ".".
  const states = await readdir(join(execRoot, "runtime")).catch(() => [] as string[]);
  const live = states.find((n) => !n.startsWith("."));
  return live ? `holds runtime state of container ${live}` : undefined;
}

/** An entry of the exec root that berth did not put there, or undefined. `ownFiles`: the pid file's and socket's names. */
async function foreignEntry(execRoot: string, ownFiles: readonly string[]): Promise<string | undefined> {
  return (await readdir(execRoot)).find((n) => !OWN_DIRS.includes(n) && !ownFiles.includes(n));
}

async function readMounts(): Promise<MountLine[]> {
  return parseMountinfo(await readFile("/proc/self/mountinfo", "utf8"));
}

/**
 * Makes sure `execRoot` exists and, when it is on disk and nothing in it must stay visible,
 * mounts a tmpfs there. A failed mount is logged and the exec root stays on disk.
 */
export async function placeExecRoot(execRootIn: string, log: Log, opts: { ownPaths?: readonly string[]; sys?: MountSys } = {}): Promise<ExecRootPlacement> {
  const execRoot = resolve(execRootIn);
  const sys = opts.sys;
  // The pid file and the socket count as berth's when they are directly in the exec root.
  const ownFiles = (opts.ownPaths ?? []).map((p) => resolve(p)).filter((p) => dirname(p) === execRoot).map((p) => basename(p));
  await mkdir(execRoot, { recursive: true, mode: 0o711 });
  const release = () => releaseExecRoot(execRoot, sys, log);
  if (IN_MEMORY.has(Number(statfsSync(execRoot).type) >>> 0)) return { how: "in memory already", release };
  const foreign = await foreignEntry(execRoot, ownFiles);
  const reason = (await liveState(execRoot, await readMounts())) ?? (foreign && `holds ${foreign}, which is not berth's`);
  if (reason) {
    log("warn", `exec root ${execRoot} is on disk and ${reason}: it stays there (a tmpfs would hide that)`);
    return { how: "on disk", release };
  }
  // What an earlier daemon left on disk is disposable (no container's, no mount): deleted, not
  // hidden under the tmpfs for good.
  for (const name of await readdir(execRoot)) await rm(join(execRoot, name), { recursive: true, force: true });
  try {
    await mountAll([{ type: "tmpfs", source: EXEC_ROOT_SOURCE, options: ["nosuid", "nodev", "mode=0711"] }], execRoot, sys);
  } catch (e) {
    log("warn", `exec root ${execRoot}: mounting a tmpfs there failed, it stays on disk: ${(e as Error).message}`);
    return { how: "on disk", release };
  }
  log("info", `exec root ${execRoot}: on a tmpfs of berth's own (the host's is on disk)`);
  return { how: "mounted", release };
}

async function releaseExecRoot(execRoot: string, sys: MountSys | undefined, log: Log): Promise<void> {
  try {
    const mounts = await readMounts();
    const top = mounts.filter((m) => m.mountPoint === execRoot).at(-1);
    if (!top || top.source !== EXEC_ROOT_SOURCE || top.fstype !== "tmpfs") return;
    const reason = await liveState(execRoot, mounts);
    if (reason) {
      log("debug", `exec root ${execRoot}: its tmpfs stays mounted, it ${reason}`);
      return;
    }
    await unmount(execRoot, sys);
  } catch (e) {
    log("warn", `exec root ${execRoot}: unmounting its tmpfs failed: ${(e as Error).message}`);
  }
}
