import type { Namespace, NamespaceType } from "../oci/runtime.js";
import { invalidArgument } from "../errors/EngineError.js";

/** OCI namespace type -> the plan's (and /proc/PID/ns/'s) name. */
export const NAMESPACE_PLAN_NAMES: Readonly<Record<NamespaceType, string>> = {
  pid: "pid",
  network: "net",
  mount: "mnt",
  ipc: "ipc",
  uts: "uts",
  user: "user",
  cgroup: "cgroup",
  time: "time",
};

export interface NamespaceSet {
  /** Namespaces the container has apart from the host's: new (path "") or joined (path). */
  byType: Map<NamespaceType, string>;
  has(type: NamespaceType): boolean;
  isNew(type: NamespaceType): boolean;
}

export function namespaceSet(list: readonly Namespace[] | undefined): NamespaceSet {
  const byType = new Map<NamespaceType, string>();
  (list ?? []).forEach((ns, i) => {
    if (!(ns.type in NAMESPACE_PLAN_NAMES)) throw invalidArgument(`validate spec: linux.namespaces[${i}].type: unknown namespace type ${JSON.stringify(ns.type)}`);
    if (byType.has(ns.type)) throw invalidArgument(`validate spec: linux.namespaces[${i}]: namespace type ${JSON.stringify(ns.type)} listed twice`);
    if (ns.path !== undefined && ns.path !== "" && !ns.path.startsWith("/")) throw invalidArgument(`validate spec: linux.namespaces[${i}].path: must be absolute, got ${JSON.stringify(ns.path)}`);
    byType.set(ns.type, ns.path ?? "");
  });
  return {
    byType,
    has: (t) => byType.has(t),
    isNew: (t) => byType.get(t) === "",
  };
}
