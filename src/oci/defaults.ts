import type { Capabilities, Device, DeviceCgroupRule, SpecMount, Spec } from "./runtime.js";

/**
 * Defaults as data: what `runc spec` writes, Docker's default capability set, the /proc and
 * /sys paths hidden or made read-only in every container, and the device nodes every
 * container gets. Pure data, so policy code and tests share one copy.
 */

export const OCI_VERSION = "1.0.2";

/** Docker's default bounding/effective/permitted set (moby oci/caps/defaults.go). */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** The smaller set `runc spec` puts in its example config. */
export const RUNC_SPEC_CAPABILITIES: readonly string[] = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

export const DEFAULT_MASKED_PATHS: readonly string[] = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];

export const DEFAULT_READONLY_PATHS: readonly string[] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

/** Device nodes created in every container, whatever the spec lists (runtime-spec "Default Devices"). */
export const DEFAULT_DEVICES: readonly Required<Device>[] = [
  { path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: "/dev/zero", type: "c", major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: "/dev/full", type: "c", major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: "/dev/random", type: "c", major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: "/dev/urandom", type: "c", major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { path: "/dev/tty", type: "c", major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

/**
 * Device cgroup rules always allowed after the spec's own (runc specconv AllowedDevices): mknod
 * of anything, the default nodes, /dev/console, /dev/pts/*, /dev/ptmx.
 */
export const DEFAULT_ALLOWED_DEVICE_RULES: readonly DeviceCgroupRule[] = [
  { allow: true, type: "c", major: null, minor: null, access: "m" },
  { allow: true, type: "b", major: null, minor: null, access: "m" },
  ...DEFAULT_DEVICES.map((d) => ({ allow: true, type: "c" as const, major: d.major, minor: d.minor, access: "rwm" })),
  { allow: true, type: "c", major: 5, minor: 1, access: "rwm" },
  { allow: true, type: "c", major: 136, minor: null, access: "rwm" },
  { allow: true, type: "c", major: 5, minor: 2, access: "rwm" },
];

export const DEFAULT_MOUNTS: readonly SpecMount[] = [
  { destination: "/proc", type: "proc", source: "proc" },
  { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
  { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
  { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
  { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
  { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
  { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"] },
];

export const DEFAULT_ENV: readonly string[] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"];

/** Bounding, effective and permitted (current runc spec; an ambient set would need inheritable too). */
function caps(list: readonly string[]): Capabilities {
  return { bounding: [...list], effective: [...list], permitted: [...list] };
}

export interface DefaultSpecOptions {
  /** Rootfs path relative to the bundle (default "rootfs"). */
  rootfs?: string;
  args?: string[];
  terminal?: boolean;
  /** Use Docker's capability set instead of runc's minimal one. */
  dockerCapabilities?: boolean;
  /** Rootless-style spec: a user namespace mapping `uid`/`gid` to container root. */
  rootless?: { uid: number; gid: number };
}

/** A fresh default config.json, like `runc spec` (deep copies: callers may mutate it). */
export function defaultSpec(opts: DefaultSpecOptions = {}): Spec {
  const capList = opts.dockerCapabilities ? DOCKER_DEFAULT_CAPABILITIES : RUNC_SPEC_CAPABILITIES;
  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: opts.terminal ?? true,
      user: { uid: 0, gid: 0 },
      args: opts.args ? [...opts.args] : ["sh"],
      env: [...DEFAULT_ENV],
      cwd: "/",
      capabilities: caps(capList),
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: opts.rootfs ?? "rootfs", readonly: true },
    hostname: "berth",
    mounts: DEFAULT_MOUNTS.map((m) => ({ ...m, options: m.options ? [...m.options] : undefined })),
    linux: {
      resources: { devices: [{ allow: false, access: "rwm" }] },
      namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "cgroup" }],
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
    },
  };
  for (const m of spec.mounts!) if (m.options === undefined) delete m.options;
  if (opts.rootless) {
    const linux = spec.linux!;
    linux.namespaces!.push({ type: "user" });
    linux.uidMappings = [{ containerID: 0, hostID: opts.rootless.uid, size: 1 }];
    linux.gidMappings = [{ containerID: 0, hostID: opts.rootless.gid, size: 1 }];
    delete linux.resources;
    // Without real root on the host, sysfs and mqueue cannot be freshly mounted: bind instead (as runc spec --rootless).
    spec.mounts = spec.mounts!.filter((m) => m.destination !== "/sys/fs/cgroup" && m.destination !== "/dev/mqueue").map((m) =>
      m.destination === "/sys" ? { destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] } : m,
    );
    spec.mounts = spec.mounts.map((m) => (m.destination === "/dev/pts" ? { ...m, options: m.options!.filter((o) => o !== "gid=5") } : m));
  }
  return spec;
}
