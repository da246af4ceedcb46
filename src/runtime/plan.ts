import { isAbsolute, join, posix } from "node:path";
import type { Hook, Spec, State } from "../oci/runtime.js";
import { invalidArgument } from "../errors/EngineError.js";
import { NAMESPACE_PLAN_NAMES, namespaceSet, type NamespaceSet } from "./namespaces.js";
import { MS, parseMountOptions, rootfsPropagationFlags } from "./mountOptions.js";
import { expandCgroupMount, type CgroupPlanInfo } from "./cgroupMounts.js";
import { deviceLines } from "./devices.js";
import { validateSysctls } from "./sysctl.js";
import { processLines } from "./planProcess.js";
import type { PlanLine } from "./planLines.js";
import type { NamespaceType } from "../oci/runtime.js";

export interface PlanContext {
  id: string;
  /** Absolute bundle directory (relative rootfs and bind sources are resolved against it). */
  bundle: string;
  /** The container's cgroup, from the cgroup manager; absent = the shim joins no cgroup. */
  cgroup?: CgroupPlanInfo;
  /** Compiled seccomp program (from the seccomp compiler), when the spec has a profile. */
  seccompPath?: string;
  /** SECCOMP_FILTER_FLAG_* mask for loading it (from the profile's flags). */
  seccompFlags?: number;
  /** Pipes mode only: keep a stdin pipe fed by attach clients (Docker -i), closed on a client's half-close with `once` (StdinOnce). */
  stdin?: { open: boolean; once?: boolean };
}

/** The dev symlinks every container gets (runc's defaultSymlinks + /dev/ptmx for devpts). */
const DEV_SYMLINKS: readonly [string, string][] = [
  ["/proc/self/fd", "/dev/fd"],
  ["/proc/self/fd/0", "/dev/stdin"],
  ["/proc/self/fd/1", "/dev/stdout"],
  ["/proc/self/fd/2", "/dev/stderr"],
  ["/proc/kcore", "/dev/core"],
];

const HOOK_PHASES = ["createRuntime", "createContainer", "startContainer"] as const;

/**
 * Turns a validated config.json into the shim's launch plan (native/README.md), in the order
 * the shim needs: identity, namespaces and id maps, cgroup, mounts, devices, symlinks,
 * masked/readonly paths, sysctls, then the process. Pure: everything it needs is in `ctx`.
 */
export function buildPlan(spec: Spec, ctx: PlanContext): PlanLine[] {
  const linux = spec.linux ?? {};
  const ns = namespaceSet(linux.namespaces);
  if (!ns.isNew("mount")) throw invalidArgument("validate spec: linux.namespaces: a new mount namespace is required");
  if (!spec.process) throw invalidArgument("validate spec: process: missing");
  if (!spec.root?.path) throw invalidArgument("validate spec: root.path: missing");

  const lines: PlanLine[] = [["version", 1], ["id", ctx.id]];
  lines.push(["rootfs", isAbsolute(spec.root.path) ? spec.root.path : join(ctx.bundle, spec.root.path)]);
  lines.push(["readonly_root", spec.root.readonly ? 1 : 0]);
  lines.push(["rootfs_propagation", rootfsPropagationFlags(linux.rootfsPropagation)]);
  if (spec.hostname !== undefined && spec.hostname !== "") {
    if (!ns.has("uts")) throw invalidArgument("validate spec: hostname: setting a hostname needs a uts namespace");
    lines.push(["hostname", spec.hostname]);
  }
  if (spec.domainname !== undefined && spec.domainname !== "") {
    if (!ns.has("uts")) throw invalidArgument("validate spec: domainname: setting a domainname needs a uts namespace");
    lines.push(["domainname", spec.domainname]);
  }
  lines.push(...namespaceLines(ns));
  lines.push(...idMapLines(spec, ns));
  for (const f of ctx.cgroup?.procsFiles ?? []) lines.push(["cgroup_procs", f]);

  const m = mountLines(spec, ctx, ns);
  lines.push(...m.mounts);
  lines.push(...deviceLines(linux.devices));
  const hasDevpts = (spec.mounts ?? []).some((x) => x.destination === "/dev/pts" && x.type === "devpts");
  for (const [target, link] of DEV_SYMLINKS) lines.push(["symlink", target, link]);
  if (hasDevpts) lines.push(["symlink", "pts/ptmx", "/dev/ptmx"]);
  lines.push(...m.symlinks);
  for (const p of linux.maskedPaths ?? []) lines.push(["masked", checkContainerPath(p, "linux.maskedPaths")]);
  for (const p of linux.readonlyPaths ?? []) lines.push(["readonly", checkContainerPath(p, "linux.readonlyPaths")]);
  lines.push(...m.readonly);
  for (const [k, v] of validateSysctls(linux.sysctl, ns)) lines.push(["sysctl", k, v]);
  lines.push(...hookLines(spec));
  lines.push(["state_json", stateJsonTemplate(spec, ctx)]);
  lines.push(...processLines(spec.process, { seccompPath: ctx.seccompPath, seccompFlags: ctx.seccompFlags }));
  if (ctx.stdin?.open) lines.push(["stdin", 1], ["stdin_once", ctx.stdin.once ? 1 : 0]);
  return lines;
}

function namespaceLines(ns: NamespaceSet): PlanLine[] {
  // The user namespace first: the shim needs it to own the others it creates.
  const order: NamespaceType[] = ["user", "pid", "network", "ipc", "uts", "mount", "cgroup", "time"];
  return order.filter((t) => ns.has(t)).map((t) => ["ns", NAMESPACE_PLAN_NAMES[t], ns.byType.get(t)!]);
}

function idMapLines(spec: Spec, ns: NamespaceSet): PlanLine[] {
  const linux = spec.linux ?? {};
  const uid = linux.uidMappings ?? [];
  const gid = linux.gidMappings ?? [];
  if (!ns.isNew("user")) {
    if (uid.length || gid.length) throw invalidArgument("validate spec: linux.uidMappings: id mappings need a new user namespace");
    return [];
  }
  if (!uid.length || !gid.length) throw invalidArgument("validate spec: linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
  const lines: PlanLine[] = [];
  for (const [tag, list, field] of [["uid_map", uid, "linux.uidMappings"], ["gid_map", gid, "linux.gidMappings"]] as const) {
    list.forEach((mp, i) => {
      for (const k of ["containerID", "hostID", "size"] as const) {
        if (!Number.isInteger(mp[k]) || mp[k] < 0 || mp[k] > 0xffffffff) throw invalidArgument(`validate spec: ${field}[${i}].${k}: must be a 32-bit unsigned integer`);
      }
      if (mp.size === 0) throw invalidArgument(`validate spec: ${field}[${i}].size: must be positive`);
      lines.push([tag, mp.containerID, mp.hostID, mp.size]);
    });
  }
  // runc writes "deny" only for rootless single mappings; berth runs as root: keep setgroups usable.
  lines.push(["setgroups", "allow"]);
  return lines;
}

function checkContainerPath(p: string, field: string): string {
  if (typeof p !== "string" || !p.startsWith("/")) throw invalidArgument(`validate spec: ${field}: path must be absolute, got ${JSON.stringify(p)}`);
  return posix.normalize(p);
}

function mountLines(spec: Spec, ctx: PlanContext, ns: NamespaceSet): { mounts: PlanLine[]; symlinks: PlanLine[]; readonly: PlanLine[] } {
  const mounts: PlanLine[] = [];
  const symlinks: PlanLine[] = [];
  const readonly: PlanLine[] = [];
  (spec.mounts ?? []).forEach((mt, i) => {
    const field = `mounts[${i}]`;
    const dest = checkContainerPath(mt.destination, `${field}.destination`);
    if (mt.uidMappings || mt.gidMappings) throw invalidArgument(`validate spec: ${field}: idmapped mounts are not supported by berth`);
    const opts = parseMountOptions(mt.options, `${field}.options`);
    const isBind = mt.type === "bind" || (opts.flags & MS.BIND) !== 0;
    if (mt.type === "cgroup") {
      if (!ctx.cgroup) throw invalidArgument(`validate spec: ${field}: a cgroup mount needs the container's cgroup (no cgroup manager)`);
      const e = expandCgroupMount({ destination: dest, flags: opts.flags, freshMounts: ns.isNew("cgroup") && !ns.has("user") }, ctx.cgroup);
      mounts.push(...e.mounts);
      symlinks.push(...e.symlinks);
      readonly.push(...e.readonly);
      return;
    }
    if (isBind) {
      const src = mt.source;
      if (!src) throw invalidArgument(`validate spec: ${field}.source: a bind mount needs a source`);
      const abs = isAbsolute(src) ? src : join(ctx.bundle, src);
      mounts.push(["mount", dest, "bind", abs, opts.flags | MS.BIND, opts.propagation, ""]);
      return;
    }
    if (!mt.type) throw invalidArgument(`validate spec: ${field}.type: missing (only bind mounts may omit it)`);
    mounts.push(["mount", dest, mt.type, mt.source ?? mt.type, opts.flags, opts.propagation, opts.data]);
  });
  return { mounts, symlinks, readonly };
}

function hookLines(spec: Spec): PlanLine[] {
  const h = spec.hooks ?? {};
  const lines: PlanLine[] = [];
  const emit = (phase: (typeof HOOK_PHASES)[number], list: Hook[] | undefined, field: string) =>
    (list ?? []).forEach((hook, i) => lines.push(hookLine(phase, hook, `${field}[${i}]`)));
  // prestart is the deprecated spelling of createRuntime and runs first (as runc).
  emit("createRuntime", h.prestart, "hooks.prestart");
  emit("createRuntime", h.createRuntime, "hooks.createRuntime");
  emit("createContainer", h.createContainer, "hooks.createContainer");
  emit("startContainer", h.startContainer, "hooks.startContainer");
  return lines;
}

export function hookLine(phase: string, hook: Hook, field: string): PlanLine {
  if (typeof hook.path !== "string" || !hook.path.startsWith("/")) throw invalidArgument(`validate spec: ${field}.path: must be absolute, got ${JSON.stringify(hook.path)}`);
  if (hook.timeout !== undefined && (!Number.isInteger(hook.timeout) || hook.timeout <= 0)) throw invalidArgument(`validate spec: ${field}.timeout: must be a positive integer`);
  const args = hook.args && hook.args.length ? hook.args : [hook.path];
  return ["hook", phase, hook.timeout ?? 0, hook.path, args.length, ...args, ...(hook.env ?? [])];
}

/** State JSON for hooks; the shim replaces the text `"pid":0` with the real pid. */
export function stateJsonTemplate(spec: Spec, ctx: PlanContext): string {
  const state: State = { ociVersion: spec.ociVersion, id: ctx.id, status: "creating", pid: 0, bundle: ctx.bundle };
  if (spec.annotations) state.annotations = spec.annotations;
  return JSON.stringify(state);
}
