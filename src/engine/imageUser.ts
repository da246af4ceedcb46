import { readFileSync } from "node:fs";
import { join } from "node:path";
import { invalidArgument } from "../errors/EngineError.js";

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home?: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

/**
 * Resolves Docker's `--user` forms (`name`, `uid`, `name:group`, `uid:gid`, empty = root)
 * against the container's own /etc/passwd and /etc/group, as Docker does: numeric ids need no
 * entry; names must exist ("unable find user X: no matching entries in passwd file").
 * Supplementary groups come from /etc/group membership of the user's name.
 */
export async function resolveImageUser(rootfs: string, spec: string | undefined): Promise<ResolvedUser> {
  const [userPart = "", groupPart] = (spec ?? "").split(":", 2);
  const passwd = readEntries(join(rootfs, "etc/passwd"), parsePasswd);
  const groups = readEntries(join(rootfs, "etc/group"), parseGroup);
  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  let home: string | undefined;
  if (userPart === "") {
    const root = passwd.find((p) => p.uid === 0);
    name = root?.name ?? "root";
    home = root?.home;
  } else if (/^\d+$/.test(userPart)) {
    uid = checkId(Number(userPart), "user");
    const entry = passwd.find((p) => p.uid === uid);
    if (entry) { gid = entry.gid; name = entry.name; home = entry.home; }
  } else {
    const entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw invalidArgument(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = entry.uid; gid = entry.gid; name = entry.name; home = entry.home;
  }
  if (groupPart !== undefined && groupPart !== "") {
    if (/^\d+$/.test(groupPart)) gid = checkId(Number(groupPart), "group");
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw invalidArgument(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  const additionalGids = name === undefined ? [] : groups.filter((g) => g.members.includes(name!) && g.gid !== gid).map((g) => g.gid);
  return home === undefined ? { uid, gid, additionalGids } : { uid, gid, additionalGids, home };
}

function checkId(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xfffffffe) throw invalidArgument(`invalid ${what} id: ${n}`);
  return n;
}

function readEntries<T>(path: string, parse: (fields: string[]) => T | undefined): T[] {
  let text: string;
  try {
    // Synchronous: two small files of the mounted rootfs on every start's path, where
    // fs.promises.readFile makes four thread-pool round trips of each.
    text = readFileSync(path, "utf8");
  } catch {
    return []; // an image without the file: only numeric users work, as in Docker
  }
  const out: T[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const e = parse(line.split(":"));
    if (e) out.push(e);
  }
  return out;
}

function parsePasswd(f: string[]): PasswdEntry | undefined {
  if (f.length < 7) return undefined;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  return { name: f[0]!, uid, gid, home: f[5]! };
}

function parseGroup(f: string[]): GroupEntry | undefined {
  if (f.length < 4) return undefined;
  const gid = Number(f[2]);
  if (!Number.isInteger(gid)) return undefined;
  return { name: f[0]!, gid, members: f[3]!.split(",").filter((m) => m !== "") };
}
