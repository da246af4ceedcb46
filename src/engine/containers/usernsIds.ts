import { invalidArgument } from "../../errors/EngineError.js";
import type { IdMapping } from "../../oci/runtime.js";

/** The user berthd creates for `--userns-remap default` (dockerd's "dockremap"). */
export const DEFAULT_REMAP_USER = "berthremap";
/** The size of the range given to a created remap user (dockerd's, and useradd's default). */
export const DEFAULT_RANGE_SIZE = 65536;
/** Where a created range may start: above every id a host normally hands out. */
export const FIRST_SUBORDINATE_ID = 100000;

/** What `--userns-remap` names: a user (and group) whose subordinate ranges become the mapping. */
export interface RemapFlag {
  /** A user name or a decimal uid. */
  user: string;
  /** A group name or a decimal gid; default: the user's name (dockerd looks both up by it). */
  group?: string;
  /** `default`: the berthremap user, created with a range if missing. */
  createDefault: boolean;
}

/**
 * Parses `--userns-remap` in dockerd's forms: `default`, `user`, `user:group`, `uid`,
 * `uid:gid`. "root" (or 0) is refused as dockerd does: remapping to root maps nothing.
 */
export function parseRemapFlag(value: string): RemapFlag {
  const v = value.trim();
  if (v === "") throw invalidArgument("--userns-remap: empty value");
  if (v === "default") return { user: DEFAULT_REMAP_USER, createDefault: true };
  const parts = v.split(":");
  if (parts.length > 2 || parts.some((p) => p === "")) throw invalidArgument(`--userns-remap: ${JSON.stringify(value)} is not user, user:group, uid or uid:gid`);
  const [user, group] = parts as [string, string | undefined];
  for (const p of parts) if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/.test(p)) throw invalidArgument(`--userns-remap: invalid user or group name ${JSON.stringify(p)}`);
  if (user === "root" || user === "0") throw invalidArgument("--userns-remap: the remapped root cannot be root (uid 0): that maps nothing");
  return group === undefined ? { user, createDefault: false } : { user, group, createDefault: false };
}

/** One line of /etc/subuid or /etc/subgid: `name-or-id:start:count`. */
export interface SubIdEntry { owner: string; start: number; size: number }

/** Parses /etc/subuid or /etc/subgid text; comments, blank and malformed lines are skipped (as shadow's own tools do). */
export function parseSubIds(text: string): SubIdEntry[] {
  const out: SubIdEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length !== 3 || !/^\d+$/.test(f[1]!) || !/^\d+$/.test(f[2]!)) continue;
    const start = Number(f[1]);
    const size = Number(f[2]);
    if (f[0] === "" || size === 0 || start + size > 2 ** 32) continue;
    out.push({ owner: f[0]!, start, size });
  }
  return out;
}

/**
 * The id mapping of every range `owners` (a name and/or its decimal id) hold, in file order:
 * container ids 0.. are laid over the ranges one after the other (dockerd's createIDMap).
 */
export function mappingOf(entries: readonly SubIdEntry[], owners: readonly string[]): IdMapping[] {
  const out: IdMapping[] = [];
  let next = 0;
  for (const e of entries) {
    if (!owners.includes(e.owner)) continue;
    out.push({ containerID: next, hostID: e.start, size: e.size });
    next += e.size;
  }
  return out;
}

/**
 * The start of a free range of `size` ids at or above FIRST_SUBORDINATE_ID that overlaps no
 * existing entry of either file (what useradd does for a new user's subordinate ids).
 */
export function freeRange(taken: readonly SubIdEntry[], size: number): number {
  const sorted = [...taken].sort((a, b) => a.start - b.start);
  let start = FIRST_SUBORDINATE_ID;
  for (const e of sorted) {
    if (e.start + e.size <= start) continue;
    if (e.start >= start + size) break;
    start = e.start + e.size;
  }
  if (start + size > 2 ** 32) throw invalidArgument("--userns-remap: no free range of subordinate ids left");
  return start;
}

/** The host id the container's id 0 maps to (the "remapped root"); undefined if unmapped. */
export function hostIdOfRoot(map: readonly IdMapping[]): number | undefined {
  const r = map.find((m) => m.containerID === 0);
  return r?.hostID;
}

/** Maps as the launcher's idmapped_mount takes them: "container:host:size[,...]". */
export function mapText(map: readonly IdMapping[]): string {
  return map.map((m) => `${m.containerID}:${m.hostID}:${m.size}`).join(",");
}
