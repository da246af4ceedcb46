import type { ExecConfig } from "../../../api/types/exec.js";
import type { Process } from "../../../oci/runtime.js";
import { readFile } from "node:fs/promises";
import { maskToNames } from "../../../runtime/caps.js";
import { resolveImageUser } from "../../imageUser.js";

/**
 * The OCI process of an exec, from the container's own process (its env, user, caps, rlimits,
 * no_new_privs) and the exec's config, with Docker's rules: exec env entries replace the
 * container's by name; `User` (name or id, resolved in the container's /etc/passwd) replaces
 * the user, else the container's user stays; `WorkingDir` replaces the cwd; a TTY gets
 * TERM=xterm unless set; `Privileged` gets every capability.
 */
export async function execProcess(base: Process | undefined, config: ExecConfig, opts: { rootfs: string; consoleSize?: [number, number] }): Promise<Process> {
  const template: Process = base ?? { user: { uid: 0, gid: 0 }, cwd: "/" };
  const env = mergeEnv(template.env ?? [], config.Env ?? []);
  const tty = config.Tty === true;
  if (tty && !env.some((e) => e.startsWith("TERM="))) env.push("TERM=xterm");
  let user = { ...template.user };
  if (config.User) {
    const u = await resolveImageUser(opts.rootfs, config.User);
    user = { ...user, uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
  }
  const p: Process = { ...template, args: [...config.Cmd], env, cwd: config.WorkingDir || template.cwd, terminal: tty, user };
  delete p.consoleSize;
  if (tty && opts.consoleSize && opts.consoleSize[0] > 0 && opts.consoleSize[1] > 0) p.consoleSize = { height: opts.consoleSize[0], width: opts.consoleSize[1] };
  if (config.Privileged) {
    const all = await ownBoundingSet();
    p.capabilities = { bounding: all, effective: all, permitted: all, inheritable: [], ambient: [] };
  }
  return p;
}

/** KEY=VALUE lists: later entries replace earlier ones with the same key (order kept). */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const out = [...base];
  for (const kv of extra) {
    const key = kv.includes("=") ? kv.slice(0, kv.indexOf("=")) : kv;
    const i = out.findIndex((e) => (e.includes("=") ? e.slice(0, e.indexOf("=")) : e) === key);
    if (!kv.includes("=")) continue; // "KEY" alone: Docker takes it from the client's env; the CLI already did
    if (i >= 0) out[i] = kv;
    else out.push(kv);
  }
  return out;
}

/**
 * Every capability the daemon itself may hold (its bounding set): "all capabilities" for a
 * privileged exec, since a process can never gain one outside the bounding set of its parent.
 */
async function ownBoundingSet(): Promise<string[]> {
  const status = await readFile("/proc/self/status", "utf8");
  const hex = /^CapBnd:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? "0";
  return maskToNames(BigInt(`0x${hex}`));
}
