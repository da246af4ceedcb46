import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import type { IdMapping } from "../../oci/runtime.js";
import type { UsernsSettings } from "./usernsContainer.js";
import { DEFAULT_RANGE_SIZE, DEFAULT_REMAP_USER, freeRange, mappingOf, parseRemapFlag, parseSubIds, type RemapFlag } from "./usernsIds.js";

const run = promisify(execFile);

/** The id mappings of a remapped container: container ids 0.. onto the remap user's ranges. */
export interface UsernsMapping {
  /** What the mapping came from, for messages ("berthremap", "alice:staff"). */
  name: string;
  uids: IdMapping[];
  gids: IdMapping[];
}

/** Where the host's account files are (tests point this at a temp dir). */
export interface HostAccounts { etcDir: string }
const HOST: HostAccounts = { etcDir: "/etc" };

const readText = (path: string) => readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? "" : Promise.reject(e)));

/** name:x:id:... lines of /etc/passwd or /etc/group → [name, id] of the one whose name or id is `key`. */
function lookupAccount(text: string, key: string): [string, number] | undefined {
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 3 || !/^\d+$/.test(f[2]!)) continue;
    if (f[0] === key || f[2] === key) return [f[0]!, Number(f[2])];
  }
  return undefined;
}

/**
 * The mapping `--userns-remap` names, read from /etc/passwd, /etc/group, /etc/subuid and
 * /etc/subgid. subuid ranges are those of the user (by name or uid), subgid ranges those of the
 * group (by name or gid; default: the user's name). A numeric id without an account is looked up
 * by number only. No range at all is an InvalidArgument naming the file.
 */
export async function resolveRemap(flag: RemapFlag, acc: HostAccounts = HOST): Promise<UsernsMapping> {
  const passwd = await readText(join(acc.etcDir, "passwd"));
  const user = lookupAccount(passwd, flag.user);
  if (!user && !/^\d+$/.test(flag.user)) throw invalidArgument(`--userns-remap: no such user ${JSON.stringify(flag.user)}`);
  const groupKey = flag.group ?? user?.[0] ?? flag.user;
  const group = lookupAccount(await readText(join(acc.etcDir, "group")), groupKey);
  if (flag.group !== undefined && !group && !/^\d+$/.test(flag.group)) throw invalidArgument(`--userns-remap: no such group ${JSON.stringify(flag.group)}`);
  const uidOwners = user ? [user[0], String(user[1])] : [flag.user];
  const gidOwners = group ? [group[0], String(group[1])] : [groupKey];
  const uids = mappingOf(parseSubIds(await readText(join(acc.etcDir, "subuid"))), uidOwners);
  const gids = mappingOf(parseSubIds(await readText(join(acc.etcDir, "subgid"))), gidOwners);
  const name = flag.group ? `${flag.user}:${flag.group}` : flag.user;
  if (uids.length === 0) throw invalidArgument(`--userns-remap: no subordinate uid range for ${JSON.stringify(uidOwners[0])} in ${join(acc.etcDir, "subuid")}`);
  if (gids.length === 0) throw invalidArgument(`--userns-remap: no subordinate gid range for ${JSON.stringify(gidOwners[0])} in ${join(acc.etcDir, "subgid")}`);
  return { name, uids, gids };
}

/**
 * `--userns-remap default`: makes sure the berthremap user exists with a range of 65536 ids in
 * /etc/subuid and /etc/subgid (as dockerd does for dockremap: `useradd -r -s /bin/false`, then
 * `usermod --add-subuids/--add-subgids` with a free range), then resolves it. Other values are
 * only resolved: berthd does not change accounts it was named.
 */
export async function setupRemap(value: string, acc: HostAccounts = HOST): Promise<UsernsMapping> {
  const flag = parseRemapFlag(value);
  if (flag.createDefault) await ensureDefaultUser(acc);
  return resolveRemap(flag, acc);
}

async function ensureDefaultUser(acc: HostAccounts): Promise<void> {
  const name = DEFAULT_REMAP_USER;
  const tool = async (cmd: string, args: string[]) => {
    try {
      await run(cmd, args);
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new EngineError("Internal", `--userns-remap default: ${cmd} ${args.join(" ")}: ${(err.stderr || err.message).trim()}`, { cause: e });
    }
  };
  const exists = async () => lookupAccount(await readText(join(acc.etcDir, "passwd")), name) !== undefined;
  if (!(await exists())) {
    // Another daemon starting at the same moment may have made it first: then that is fine.
    await tool("useradd", ["--system", "--no-create-home", "--shell", "/bin/false", "--user-group", name]).catch(async (e: unknown) => {
      if (!(await exists())) throw e;
    });
  }
  const subuid = parseSubIds(await readText(join(acc.etcDir, "subuid")));
  const subgid = parseSubIds(await readText(join(acc.etcDir, "subgid")));
  const hasUids = subuid.some((e) => e.owner === name);
  const hasGids = subgid.some((e) => e.owner === name);
  if (hasUids && hasGids) return;
  // One range, free in both files, so that the uid and gid of the remapped root are equal.
  const start = freeRange([...subuid, ...subgid], DEFAULT_RANGE_SIZE);
  const range = `${start}-${start + DEFAULT_RANGE_SIZE - 1}`;
  if (!hasUids) await tool("usermod", ["--add-subuids", range, name]);
  if (!hasGids) await tool("usermod", ["--add-subgids", range, name]);
}

/**
 * The mapping a `berth.userns=auto` container gets on a daemon without `--userns-remap`: the
 * berthremap user's ranges if it has them (nothing is created for a label). undefined if none.
 */
export async function optInMapping(acc: HostAccounts = HOST): Promise<UsernsMapping | undefined> {
  try {
    return await resolveRemap({ user: DEFAULT_REMAP_USER, createDefault: false }, acc);
  } catch (e) {
    if (e instanceof EngineError && e.kind === "InvalidArgument") return undefined;
    throw e;
  }
}

/**
 * berthd's user-namespace settings: `--userns-remap` (set up and resolved now, so a bad value
 * stops the daemon as it stops dockerd), and what the `berth.userns=auto` label maps to.
 */
export async function loadUsernsSettings(remapFlag: string | undefined, acc: HostAccounts = HOST): Promise<UsernsSettings> {
  const remap = remapFlag === undefined ? undefined : await setupRemap(remapFlag, acc);
  const optIn = remap ?? (await optInMapping(acc));
  return { ...(remap ? { remap } : {}), ...(optIn ? { optIn } : {}) };
}
