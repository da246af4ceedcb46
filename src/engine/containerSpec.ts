import { invalidArgument } from "../errors/EngineError.js";
import type { ImageConfig } from "../oci/image.js";
import { defaultSpec, DOCKER_DEFAULT_CAPABILITIES } from "../oci/defaults.js";
import type { Namespace, Resources, Seccomp, Spec, SpecMount } from "../oci/runtime.js";
import { containerArgs, containerEnv, containerWorkdir, type CommandOverrides } from "./containerCommand.js";
import type { ResolvedUser } from "./imageUser.js";
import { ALL_CAPABILITIES } from "../runtime/caps.js";
import { defaultCgroupPath } from "../runtime/containerCgroup.js";

/**
 * The container's network namespace: a new empty one (none), the host's, or an existing one
 * joined by path (a bridged container's netns file, or the one of the container it shares).
 */
export type NetworkMode = "none" | "host" | { path: string };

export interface ContainerSpecOptions extends CommandOverrides {
  id: string;
  image: ImageConfig;
  /** Absolute host path of the (mounted) root filesystem. */
  rootfs: string;
  user: ResolvedUser;
  hostname?: string;
  tty?: boolean;
  readOnly?: boolean;
  network: NetworkMode;
  capAdd?: string[];
  capDrop?: string[];
  resources?: Resources;
  /** A profile, or "unconfined" (only when the user asked for it). */
  seccomp: Seccomp | "unconfined";
  noNewPrivileges?: boolean;
  /** Host files bind-mounted over /etc/hosts, /etc/hostname, /etc/resolv.conf. */
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
  labels?: Record<string, string>;
}

/** Docker's container hostname: the first 12 characters of the id. */
export const shortId = (id: string) => id.slice(0, 12);

/**
 * The OCI runtime spec for a container made from an image, with Docker's defaults: Docker's
 * capability set and seccomp profile, masked and read-only /proc paths, /dev/shm, private
 * namespaces (the network namespace is the host's for --network host, joined by path for a
 * bridged container or container:<id>), the
 * container's cgroup under /berth/<id>.
 */
export function containerSpec(o: ContainerSpecOptions): Spec {
  const hostname = o.hostname && o.hostname !== "" ? o.hostname : shortId(o.id);
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/.test(hostname)) throw invalidArgument(`invalid hostname ${JSON.stringify(hostname)}`);
  const args = containerArgs(o.image.config, o);
  const spec = defaultSpec({ rootfs: o.rootfs, args, terminal: o.tty === true, dockerCapabilities: true });
  const proc = spec.process!;
  proc.env = containerEnv(o.image.config, o.env, { hostname, home: o.user.home });
  proc.cwd = containerWorkdir(o.image.config, o.workdir);
  proc.user = { uid: o.user.uid, gid: o.user.gid, additionalGids: o.user.additionalGids };
  // Docker sets no rlimits of its own: the container inherits the daemon's.
  delete proc.rlimits;
  proc.noNewPrivileges = o.noNewPrivileges === true;
  const caps = capabilitySet(o.capAdd ?? [], o.capDrop ?? []);
  // Root keeps its set; a non-root user starts with an empty effective set, as Docker does.
  proc.capabilities = { bounding: caps, permitted: caps, effective: o.user.uid === 0 ? caps : [] };
  spec.root = { path: o.rootfs, readonly: o.readOnly === true };
  spec.hostname = hostname;
  spec.mounts = [...spec.mounts!, ...etcMounts(o.etcFiles)];
  const linux = spec.linux!;
  linux.namespaces = namespaces(o.network);
  linux.cgroupsPath = defaultCgroupPath(o.id);
  linux.resources = { ...(o.resources ?? {}), devices: [{ allow: false, access: "rwm" }, ...(o.resources?.devices ?? [])] };
  if (o.seccomp !== "unconfined") linux.seccomp = o.seccomp;
  if (o.labels && Object.keys(o.labels).length > 0) spec.annotations = { ...o.labels };
  return spec;
}

function namespaces(network: NetworkMode): Namespace[] {
  const ns: Namespace[] = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "cgroup" }];
  if (network === "none") ns.push({ type: "network" });
  else if (network !== "host") ns.push({ type: "network", path: network.path });
  return ns;
}

function etcMounts(f: ContainerSpecOptions["etcFiles"]): SpecMount[] {
  const bind = (destination: string, source: string): SpecMount => ({ destination, type: "bind", source, options: ["rbind", "rprivate"] });
  return [bind("/etc/resolv.conf", f.resolvConf), bind("/etc/hostname", f.hostname), bind("/etc/hosts", f.hosts)];
}

/** Docker's default capabilities with --cap-add/--cap-drop applied ("ALL" allowed on both). */
export function capabilitySet(add: readonly string[], drop: readonly string[]): string[] {
  const norm = (c: string) => {
    const u = c.toUpperCase();
    return u === "ALL" ? u : u.startsWith("CAP_") ? u : `CAP_${u}`;
  };
  const adds = add.map(norm);
  const drops = drop.map(norm);
  let set = new Set<string>(DOCKER_DEFAULT_CAPABILITIES);
  if (drops.includes("ALL")) set = new Set();
  else for (const d of drops) set.delete(d);
  if (adds.includes("ALL")) {
    for (const c of ALL_CAPABILITIES) if (!drops.includes(c)) set.add(c);
  } else {
    for (const a of adds) {
      if (!ALL_CAPABILITIES.includes(a)) throw invalidArgument(`unknown capability: ${JSON.stringify(a)}`);
      set.add(a);
    }
  }
  return [...set];
}
