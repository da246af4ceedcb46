import type { Process, Spec } from "./runtime.js";
import { invalidArgument } from "../errors/EngineError.js";

/**
 * Structural validation of a parsed config.json: every field berth reads has the right JSON
 * type and shape. Errors name the field ("validate spec: process.user.uid: ..."). Semantic
 * checks that need the rest of the spec (namespaces vs sysctls, capability names, mount
 * options) are made while building the launch plan, also before anything is created.
 */
export function validateSpec(input: unknown): Spec {
  const v = new Validator();
  v.object(input, "config");
  const s = input as Record<string, unknown>;
  v.string(s.ociVersion, "ociVersion");
  if (!/^1\.\d+\.\d+/.test(s.ociVersion as string)) v.fail("ociVersion", `unsupported version ${JSON.stringify(s.ociVersion)} (need 1.x)`);

  v.object(s.root, "root");
  const root = s.root as Record<string, unknown>;
  v.string(root.path, "root.path");
  if (root.path === "") v.fail("root.path", "must not be empty");
  v.optBoolean(root.readonly, "root.readonly");

  validateProcessWith(v, s.process, "process");
  if (s.hostname !== undefined) v.string(s.hostname, "hostname");
  if (s.domainname !== undefined) v.string(s.domainname, "domainname");
  if (s.mounts !== undefined) v.array(s.mounts, "mounts", (x, f) => {
    v.object(x, f);
    const m = x as Record<string, unknown>;
    v.string(m.destination, `${f}.destination`);
    if (!(m.destination as string).startsWith("/")) v.fail(`${f}.destination`, `must be an absolute path, got ${JSON.stringify(m.destination)}`);
    if (m.type !== undefined) v.string(m.type, `${f}.type`);
    if (m.source !== undefined) v.string(m.source, `${f}.source`);
    if (m.options !== undefined) v.array(m.options, `${f}.options`, (o, g) => v.string(o, g));
  });
  if (s.hooks !== undefined) {
    v.object(s.hooks, "hooks");
    for (const [k, list] of Object.entries(s.hooks as Record<string, unknown>)) {
      if (!["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"].includes(k)) v.fail(`hooks.${k}`, "unknown hook phase");
      v.array(list, `hooks.${k}`, (x, f) => {
        v.object(x, f);
        const h = x as Record<string, unknown>;
        v.string(h.path, `${f}.path`);
        if (h.args !== undefined) v.array(h.args, `${f}.args`, (a, g) => v.string(a, g));
        if (h.env !== undefined) v.array(h.env, `${f}.env`, (a, g) => v.string(a, g));
        if (h.timeout !== undefined) v.uint(h.timeout, `${f}.timeout`);
      });
    }
  }
  if (s.annotations !== undefined) {
    v.object(s.annotations, "annotations");
    for (const [k, val] of Object.entries(s.annotations as Record<string, unknown>)) v.string(val, `annotations[${JSON.stringify(k)}]`);
  }
  if (s.linux !== undefined) validateLinux(v, s.linux);
  else v.fail("linux", "missing (berth runs Linux containers only)");
  return input as Spec;
}


/** Validates a process object alone (runc `exec --process FILE`). */
export function validateProcess(input: unknown, field = "process"): Process {
  validateProcessWith(new Validator(), input, field);
  return input as Process;
}

function validateProcessWith(v: Validator, input: unknown, field: string): void {
  v.object(input, field);
  const p = input as Record<string, unknown>;
  v.optBoolean(p.terminal, `${field}.terminal`);
  if (p.consoleSize !== undefined) {
    v.object(p.consoleSize, `${field}.consoleSize`);
    const c = p.consoleSize as Record<string, unknown>;
    v.uint(c.height, `${field}.consoleSize.height`);
    v.uint(c.width, `${field}.consoleSize.width`);
  }
  v.object(p.user, `${field}.user`);
  const u = p.user as Record<string, unknown>;
  v.uint(u.uid, `${field}.user.uid`);
  v.uint(u.gid, `${field}.user.gid`);
  if (u.umask !== undefined) v.uint(u.umask, `${field}.user.umask`);
  if (u.additionalGids !== undefined) v.array(u.additionalGids, `${field}.user.additionalGids`, (x, f) => v.uint(x, f));
  v.array(p.args, `${field}.args`, (x, f) => v.string(x, f));
  if ((p.args as unknown[]).length === 0) v.fail(`${field}.args`, "must not be empty");
  if (p.env !== undefined) v.array(p.env, `${field}.env`, (x, f) => {
    v.string(x, f);
    if (!(x as string).includes("=")) v.fail(f, `expected KEY=VALUE, got ${JSON.stringify(x)}`);
  });
  v.string(p.cwd, `${field}.cwd`);
  if (!(p.cwd as string).startsWith("/")) v.fail(`${field}.cwd`, `must be an absolute path, got ${JSON.stringify(p.cwd)}`);
  if (p.capabilities !== undefined) {
    v.object(p.capabilities, `${field}.capabilities`);
    for (const [k, list] of Object.entries(p.capabilities as Record<string, unknown>)) {
      if (!["bounding", "effective", "inheritable", "permitted", "ambient"].includes(k)) v.fail(`${field}.capabilities.${k}`, "unknown capability set");
      v.array(list, `${field}.capabilities.${k}`, (x, f) => v.string(x, f));
    }
  }
  if (p.rlimits !== undefined) v.array(p.rlimits, `${field}.rlimits`, (x, f) => {
    v.object(x, f);
    const r = x as Record<string, unknown>;
    v.string(r.type, `${f}.type`);
    v.number(r.soft, `${f}.soft`);
    v.number(r.hard, `${f}.hard`);
  });
  v.optBoolean(p.noNewPrivileges, `${field}.noNewPrivileges`);
  if (p.oomScoreAdj !== undefined) v.int(p.oomScoreAdj, `${field}.oomScoreAdj`);
}

function validateLinux(v: Validator, linux: unknown): void {
  v.object(linux, "linux");
  const l = linux as Record<string, unknown>;
  if (l.namespaces !== undefined) v.array(l.namespaces, "linux.namespaces", (x, f) => {
    v.object(x, f);
    const n = x as Record<string, unknown>;
    v.string(n.type, `${f}.type`);
    if (!["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"].includes(n.type as string)) v.fail(`${f}.type`, `unknown namespace type ${JSON.stringify(n.type)}`);
    if (n.path !== undefined) v.string(n.path, `${f}.path`);
  });
  for (const key of ["uidMappings", "gidMappings"]) {
    if (l[key] !== undefined) v.array(l[key], `linux.${key}`, (x, f) => {
      v.object(x, f);
      const m = x as Record<string, unknown>;
      v.uint(m.containerID, `${f}.containerID`);
      v.uint(m.hostID, `${f}.hostID`);
      v.uint(m.size, `${f}.size`);
    });
  }
  if (l.sysctl !== undefined) {
    v.object(l.sysctl, "linux.sysctl");
    for (const [k, val] of Object.entries(l.sysctl as Record<string, unknown>)) v.string(val, `linux.sysctl[${JSON.stringify(k)}]`);
  }
  if (l.cgroupsPath !== undefined) v.string(l.cgroupsPath, "linux.cgroupsPath");
  if (l.resources !== undefined) v.object(l.resources, "linux.resources");
  if (l.devices !== undefined) v.array(l.devices, "linux.devices", (x, f) => {
    v.object(x, f);
    const d = x as Record<string, unknown>;
    v.string(d.path, `${f}.path`);
    v.string(d.type, `${f}.type`);
    for (const k of ["major", "minor", "fileMode", "uid", "gid"]) if (d[k] !== undefined) v.int(d[k], `${f}.${k}`);
  });
  if (l.seccomp !== undefined) {
    v.object(l.seccomp, "linux.seccomp");
    const sc = l.seccomp as Record<string, unknown>;
    v.string(sc.defaultAction, "linux.seccomp.defaultAction");
    if (sc.syscalls !== undefined) v.array(sc.syscalls, "linux.seccomp.syscalls", (x, f) => {
      v.object(x, f);
      const r = x as Record<string, unknown>;
      v.array(r.names, `${f}.names`, (n, g) => v.string(n, g));
      v.string(r.action, `${f}.action`);
    });
  }
  if (l.rootfsPropagation !== undefined) v.string(l.rootfsPropagation, "linux.rootfsPropagation");
  for (const key of ["maskedPaths", "readonlyPaths"]) {
    if (l[key] !== undefined) v.array(l[key], `linux.${key}`, (x, f) => v.string(x, f));
  }
}

class Validator {
  fail(field: string, detail: string): never {
    throw invalidArgument(`validate spec: ${field}: ${detail}`);
  }
  object(x: unknown, f: string): void {
    if (typeof x !== "object" || x === null || Array.isArray(x)) this.fail(f, x === undefined ? "missing" : `expected an object, got ${kind(x)}`);
  }
  array(x: unknown, f: string, each: (item: unknown, field: string) => void): void {
    if (!Array.isArray(x)) this.fail(f, x === undefined ? "missing" : `expected an array, got ${kind(x)}`);
    x.forEach((item, i) => each(item, `${f}[${i}]`));
  }
  string(x: unknown, f: string): void {
    if (typeof x !== "string") this.fail(f, x === undefined ? "missing" : `expected a string, got ${kind(x)}`);
  }
  number(x: unknown, f: string): void {
    if (typeof x !== "number" || !Number.isFinite(x)) this.fail(f, x === undefined ? "missing" : `expected a number, got ${kind(x)}`);
  }
  int(x: unknown, f: string): void {
    this.number(x, f);
    if (!Number.isInteger(x)) this.fail(f, `expected an integer, got ${x}`);
  }
  uint(x: unknown, f: string): void {
    this.int(x, f);
    if ((x as number) < 0) this.fail(f, `expected a non-negative integer, got ${x}`);
  }
  optBoolean(x: unknown, f: string): void {
    if (x !== undefined && typeof x !== "boolean") this.fail(f, `expected a boolean, got ${kind(x)}`);
  }
}

function kind(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  return typeof x === "object" ? "an object" : `${typeof x} ${JSON.stringify(x)}`;
}
