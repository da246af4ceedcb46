import { invalidArgument } from "../errors/EngineError.js";
import type { NamespaceSet } from "./namespaces.js";
import type { NamespaceType } from "../oci/runtime.js";

/** IPC-namespaced kernel.* sysctls (runc's validator list). */
const IPC_SYSCTLS = new Set(["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]);

/** Which namespace makes `key` container-local; undefined = not namespaced (refused). */
export function sysctlNamespace(key: string): NamespaceType | undefined {
  if (IPC_SYSCTLS.has(key) || key.startsWith("fs.mqueue.")) return "ipc";
  if (key.startsWith("net.")) return "network";
  if (key === "kernel.hostname" || key === "kernel.domainname") return "uts";
  return undefined;
}

/**
 * A sysctl is allowed only when its namespace is the container's own; otherwise writing it
 * would change the host. Accepts the slash spelling (net/ipv4/ip_forward) as runc does.
 */
export function validateSysctls(sysctl: Record<string, string> | undefined, ns: NamespaceSet): [string, string][] {
  const out: [string, string][] = [];
  for (const [rawKey, value] of Object.entries(sysctl ?? {})) {
    const key = rawKey.replace(/\//g, ".");
    const field = `linux.sysctl[${JSON.stringify(rawKey)}]`;
    if (!/^[A-Za-z0-9_.\-]+$/.test(key) || key.includes("..")) throw invalidArgument(`validate spec: ${field}: invalid sysctl name`);
    if (typeof value !== "string") throw invalidArgument(`validate spec: ${field}: value must be a string`);
    const need = sysctlNamespace(key);
    if (need === undefined) throw invalidArgument(`validate spec: ${field}: sysctl is not in a separate kernel namespace`);
    if (!ns.has(need)) throw invalidArgument(`validate spec: ${field}: sysctl needs a ${need} namespace, the container shares the host's`);
    out.push([key, value]);
  }
  return out;
}
