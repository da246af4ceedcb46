import { containerModeTarget, type JoinedNamespaces } from "./sharedNamespaces.js";
import { hasShareableShm, shmPath } from "./ipcShm.js";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import type { ImageConfig } from "../../oci/image.js";
import type { Seccomp, Spec } from "../../oci/runtime.js";
import { defaultSeccompProfile, hostKernelRelease } from "../../runtime/seccomp/defaultProfile.js";
import { loadDockerProfile } from "../../runtime/seccomp/dockerProfile.js";
import { capabilitySet, containerSpec, type NetworkMode } from "../containerSpec.js";
import type { ResolvedUser } from "../imageUser.js";
import type { InitSettings } from "./ContainerContext.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import { expandAllCapabilities, hostCapabilities } from "./hostCapabilities.js";
import { hostDevices } from "./hostDevices.js";
import { applyInit, findInitBinary } from "./initProcess.js";
import { userDevices } from "./userDevices.js";
import { ociResources, ociRlimits } from "./hostResources.js";
import { userMounts } from "./userMounts.js";
import { applyUserns } from "./usernsContainer.js";
import type { UsernsMapping } from "./usernsHost.js";

const notImplemented = (msg: string) => new EngineError("NotImplemented", msg);

export interface SecurityOptions {
  noNewPrivileges: boolean;
  /** "default" = Docker's default profile; else "unconfined" or a Docker profile's JSON. */
  seccomp: "default" | "unconfined" | { json: string };
}

/** --security-opt values (moby daemon/create.go parseSecurityOpt): both "k=v" and legacy "k:v". */
export function securityOptions(opts: readonly string[]): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, seccomp: "default" };
  for (const raw of opts) {
    if (raw === "no-new-privileges") {
      out.noNewPrivileges = true;
      continue;
    }
    const sep = raw.search(/[=:]/);
    if (sep < 0) throw invalidArgument(`invalid --security-opt 1: ${JSON.stringify(raw)}`);
    const key = raw.slice(0, sep);
    const value = raw.slice(sep + 1);
    switch (key) {
      case "no-new-privileges":
        if (value !== "true" && value !== "false") throw invalidArgument(`invalid --security-opt 2: ${JSON.stringify(raw)}`);
        out.noNewPrivileges = value === "true";
        break;
      case "seccomp":
        out.seccomp = value === "unconfined" ? "unconfined" : value === "builtin" || value === "default" ? "default" : { json: value };
        break;
      case "apparmor":
        // No AppArmor in berth: "unconfined" is what every container gets; a profile cannot be honoured.
        if (value !== "unconfined") throw notImplemented(`--security-opt apparmor=${value}: AppArmor profiles are not supported by berth`);
        break;
      case "label":
        if (value !== "disable") throw notImplemented(`--security-opt label=${value}: SELinux labels are not supported by berth`);
        break;
      default:
        throw invalidArgument(`invalid --security-opt 2: ${JSON.stringify(raw)}`);
    }
  }
  return out;
}

export interface SpecInputs {
  rec: ContainerRecord;
  image: ImageConfig;
  rootfs: string;
  user: ResolvedUser;
  etcFiles: { hosts: string; hostname: string; resolvConf: string };
  /** The network namespace (startNetworking in containerNetwork.ts decides it at start). */
  network: NetworkMode;
  /** Creating: bind sources of -v may be made; starting: they must still exist. */
  creating: boolean;
  /** A user namespace with this mapping (containerUserns in usernsContainer.ts); none: the host's. */
  userns?: UsernsMapping;
  /** The daemon's --init default (for HostConfig.Init null) and --init-path. */
  init?: InitSettings;
  /** At start: the pid/ipc namespace paths of --pid/--ipc container:<x> targets and the /dev/shm to bind (sharedNamespaces.ts). */
  joined?: JoinedNamespaces;
}

/**
 * The OCI runtime spec of a daemon container: containerSpec's Docker defaults, then HostConfig
 * applied (resources, rlimits, mounts, security, namespaces, privileged). Warnings are returned
 * for the create response.
 */
export function buildSpec(i: SpecInputs): { spec: Spec; warnings: string[] } {
  const { rec } = i;
  const hc = rec.hostConfig;
  const cfg = rec.config;
  const warnings: string[] = [];
  const network = i.network;
  // HostConfig.Init null (the container did not say) takes the daemon's --init, as moby does.
  const init = (hc.Init ?? i.init?.byDefault) ? (i.init?.path ?? findInitBinary()) : undefined;
  // Docker knows only "host" (opt out of a remapping daemon); the mapping itself comes in i.userns.
  if (hc.UsernsMode && hc.UsernsMode !== "host") throw invalidArgument(`invalid userns mode: ${hc.UsernsMode}`);
  const devices = userDevices(hc.Devices ?? [], hc.DeviceCgroupRules ?? []);
  // Docker's "" means the daemon default; berth's default is private (a cgroup namespace).
  const cgroupns = hc.CgroupnsMode ?? "";
  if (cgroupns !== "" && cgroupns !== "host" && cgroupns !== "private") throw invalidArgument(`invalid cgroup namespace mode: ${cgroupns}`);
  const sec = securityOptions(hc.SecurityOpt ?? []);
  const privileged = hc.Privileged === true;
  const capAdd = privileged ? hostCapabilities() : expandAllCapabilities(hc.CapAdd ?? []);
  const capDrop = privileged ? [] : hc.CapDrop ?? [];
  const caps = capabilitySet(capAdd, capDrop);
  let seccomp: Seccomp | "unconfined" = "unconfined";
  if (!privileged && sec.seccomp !== "unconfined") {
    const resolveOpts = { capabilities: caps, arch: process.arch, kernelRelease: hostKernelRelease() };
    seccomp = sec.seccomp === "default" ? defaultSeccompProfile({ capabilities: caps }) : loadDockerProfile(sec.seccomp.json, resolveOpts) ?? "unconfined";
  }
  const resources = ociResources(hc, warnings);
  const mounts = userMounts(hc, i.creating, i.rec.volumes, i.rec.copiedBinds);

  const spec = containerSpec({
    id: rec.id,
    image: i.image,
    rootfs: i.rootfs,
    user: i.user,
    hostname: cfg.Hostname || undefined,
    tty: cfg.Tty === true,
    readOnly: hc.ReadonlyRootfs === true,
    network,
    // Path/Args were resolved at create: pass them as the whole command.
    entrypoint: [rec.path],
    cmd: rec.args,
    env: cfg.Env ?? [],
    workdir: cfg.WorkingDir || undefined,
    capAdd,
    capDrop,
    resources,
    seccomp,
    noNewPrivileges: sec.noNewPrivileges,
    etcFiles: i.etcFiles,
    labels: cfg.Labels ?? undefined,
  });
  const proc = spec.process!;
  const linux = spec.linux!;
  const rlimits = ociRlimits(hc.Ulimits);
  if (rlimits) proc.rlimits = rlimits;
  if (hc.OomScoreAdj) proc.oomScoreAdj = hc.OomScoreAdj;
  if (cfg.Domainname) spec.domainname = cfg.Domainname;
  if (hc.Sysctls && Object.keys(hc.Sysctls).length > 0) linux.sysctl = { ...hc.Sysctls };
  if (hc.CgroupParent) {
    if (hc.CgroupParent.split("/").includes("..")) throw invalidArgument(`invalid cgroup parent ${JSON.stringify(hc.CgroupParent)}`);
    linux.cgroupsPath = `/${hc.CgroupParent.replace(/^\/+|\/+$/g, "")}/${rec.id}`;
  }
  for (const [field, ns] of [["PidMode", "pid"], ["IpcMode", "ipc"], ["UTSMode", "uts"]] as const) {
    const v = hc[field] ?? "";
    if (v === "host") linux.namespaces = linux.namespaces!.filter((n) => n.type !== ns);
    else if (field !== "UTSMode" && containerModeTarget(v, ns === "pid" ? "PID" : "IPC") !== undefined) {
      // container:<x>: the path is known at start; at create the mode is only validated.
      const path = i.joined?.[ns as "pid" | "ipc"];
      if (path) linux.namespaces = linux.namespaces!.map((n) => (n.type === ns ? { type: ns, path } : n));
    }
    else if (field === "IpcMode") {
      if (v !== "" && v !== "private" && v !== "shareable" && v !== "none") throw invalidArgument(`invalid IPC mode: ${v}`);
    } else if (v !== "") throw notImplemented(`${field} ${JSON.stringify(v)} is not implemented in berth yet`);
  }
  // --cgroupns host: the container stays in the host's cgroup namespace (Docker's v1 default).
  if (cgroupns === "host") linux.namespaces = linux.namespaces!.filter((n) => n.type !== "cgroup");
  if (hc.UTSMode === "host") delete spec.hostname;

  // Mounts: the user's replace a default or /etc file at the same place.
  const userDest = new Set(mounts.spec.map((m) => m.destination));
  spec.mounts = spec.mounts!.filter((m) => !userDest.has(m.destination));
  // --ipc none: a private ipc namespace and, as in moby, no /dev/shm mount at all.
  if (hc.IpcMode === "none") spec.mounts = spec.mounts.filter((m) => m.destination !== "/dev/shm");
  const shm = spec.mounts.find((m) => m.destination === "/dev/shm");
  if (shm && (hc.ShmSize ?? 0) > 0) shm.options = [...(shm.options ?? []).filter((o) => !o.startsWith("size=")), `size=${hc.ShmSize}`];
  // A shm that is shared (ipcShm.ts): shareable binds its own host-side tmpfs, container:<x> the
  // donor's and host the host's /dev/shm (both known at start only: the create-time spec keeps
  // the tmpfs, config.json is rewritten at start).
  const shmSource = hasShareableShm(rec) ? shmPath(rec) : i.joined?.shm;
  if (shm && shmSource) Object.assign(shm, { type: "bind", source: shmSource, options: ["rbind", "rprivate"] });
  // Parents before children (Docker sorts by path depth).
  spec.mounts.push(...[...mounts.spec].sort((a, b) => a.destination.split("/").length - b.destination.split("/").length));

  if (init) applyInit(spec, init);
  // --device: the nodes, and their allow rules after the default deny (containerSpec's first rule).
  if (devices.devices.length > 0) linux.devices = [...(linux.devices ?? []), ...devices.devices];
  if (devices.rules.length > 0) linux.resources = { ...linux.resources, devices: [...(linux.resources?.devices ?? []), ...devices.rules] };

  if (privileged) {
    linux.maskedPaths = [];
    linux.readonlyPaths = [];
    linux.devices = [...hostDevices(), ...devices.devices];
    linux.resources = { ...linux.resources, devices: [{ allow: true, access: "rwm" }] };
    for (const m of spec.mounts) {
      if (m.destination === "/sys" || m.destination === "/sys/fs/cgroup") m.options = (m.options ?? []).filter((o) => o !== "ro");
    }
  }
  if (i.userns) applyUserns(spec, i.userns, hc);
  return { spec, warnings };
}
