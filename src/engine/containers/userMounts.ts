import { mkdirSync, statSync } from "node:fs";
import { isAbsolute, posix } from "node:path";
import type { HostConfig, MountPoint } from "../../api/types/container.js";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";
import type { SpecMount } from "../../oci/runtime.js";
import { isVolumeBind } from "../volumes/containerVolumes.js";
import type { ContainerVolumeMount, CopiedBind } from "./ContainerRecord.js";

export interface UserMounts {
  spec: SpecMount[];
  /** What inspect and ps show under Mounts. */
  points: MountPoint[];
}

const PROPAGATIONS = ["private", "rprivate", "shared", "rshared", "slave", "rslave"];
const volumesMissing = (what: string) =>
  new EngineError("NotImplemented", `${what}: named volumes are not implemented in berth yet (use a bind mount of a host directory, or tmpfs)`);

/**
 * -v/--mount/--tmpfs → OCI mounts, in Docker's order of precedence and with its checks: bind
 * sources must be absolute (a relative one is a named volume: not yet), a -v source that does not
 * exist is created as a directory (Docker's legacy behaviour), a --mount source must exist.
 * `volumes` and `copiedBinds` are what create resolved (ContainerRecord.volumes, .copiedBinds).
 */
export function userMounts(hc: HostConfig, create: boolean, volumes?: readonly ContainerVolumeMount[], copiedBinds: readonly CopiedBind[] = []): UserMounts {
  const spec: SpecMount[] = [];
  const points: MountPoint[] = [];
  const seen = new Set<string>();
  const dest = (d: string | undefined, field: string): string => {
    if (!d || !isAbsolute(d)) throw invalidArgument(`invalid mount config: ${field}: destination must be an absolute path, got ${JSON.stringify(d ?? "")}`);
    const n = posix.normalize(d);
    if (n === "/") throw invalidArgument(`invalid mount config: ${field}: destination can't be '/'`);
    if (seen.has(n)) throw invalidArgument(`Duplicate mount point: ${n}`);
    seen.add(n);
    return n;
  };
  const bind = (source: string, target: string, ro: boolean, propagation: string, mode: string) => {
    spec.push({ destination: target, type: "bind", source, options: ["rbind", ro ? "ro" : "rw", propagation] });
    points.push({ Type: "bind", Source: source, Destination: target, Mode: mode, RW: !ro, Propagation: propagation });
  };

  for (const b of hc.Binds ?? []) {
    const parts = b.split(":");
    if (parts.length < 2 || parts.length > 3) throw invalidArgument(`invalid volume specification: '${b}'`);
    const [src, dst, mode = ""] = parts;
    if (isVolumeBind(b) && volumes) continue; // resolved at create: below
    if (!isAbsolute(src)) throw volumesMissing(`-v ${b}`);
    const target = dest(dst, `-v ${b}`);
    let ro = false;
    let propagation = "rprivate";
    for (const o of mode.split(",").filter((x) => x !== "")) {
      if (o === "ro") ro = true;
      else if (o === "rw") ro = false;
      else if (PROPAGATIONS.includes(o)) propagation = o;
      else if (o === "z" || o === "Z" || o === "nocopy" || o === "consistent" || o === "cached" || o === "delegated") continue;
      else throw invalidArgument(`invalid mode: ${o}`);
    }
    if (create) {
      try {
        statSync(src);
      } catch {
        mkdirSync(src, { recursive: true, mode: 0o755 });
      }
    }
    bind(posix.normalize(src), target, ro, propagation, mode);
  }

  for (const [i, m] of (hc.Mounts ?? []).entries()) {
    const field = `Mounts[${i}]`;
    if (m.Type === "bind") {
      if (!m.Source || !isAbsolute(m.Source)) throw invalidArgument(`invalid mount config for type "bind": invalid mount path: '${m.Source ?? ""}' mount path must be absolute`);
      try {
        statSync(m.Source);
      } catch {
        throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${m.Source}`);
      }
      const propagation = m.BindOptions?.Propagation || "rprivate";
      if (!PROPAGATIONS.includes(propagation)) throw invalidArgument(`invalid mount config for type "bind": invalid propagation mode ${JSON.stringify(propagation)}`);
      bind(posix.normalize(m.Source), dest(m.Target, field), m.ReadOnly === true, propagation, "");
    } else if (m.Type === "tmpfs") {
      if (m.Source) throw invalidArgument(`invalid mount config for type "tmpfs": source must not be specified`);
      const opts = ["nosuid", "nodev", "noexec"];
      if (m.TmpfsOptions?.SizeBytes) opts.push(`size=${m.TmpfsOptions.SizeBytes}`);
      if (m.TmpfsOptions?.Mode) opts.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
      if (m.ReadOnly) opts.push("ro");
      const target = dest(m.Target, field);
      spec.push({ destination: target, type: "tmpfs", source: "tmpfs", options: opts });
      points.push({ Type: "tmpfs", Source: "", Destination: target, Mode: "", RW: m.ReadOnly !== true, Propagation: "" });
    } else if (m.Type === "volume") {
      if (volumes) continue;
      throw volumesMissing(`--mount type=volume,target=${m.Target ?? ""}`);
    } else {
      throw invalidArgument(`invalid mount config: ${field}: mount type ${JSON.stringify(m.Type ?? "")} is not supported`);
    }
  }

  for (const [path, options] of Object.entries(hc.Tmpfs ?? {})) {
    const target = dest(path, `--tmpfs ${path}`);
    const given = options.split(",").filter((o) => o !== "");
    for (const o of given) if (!/^[a-z_]+(=[^,]*)?$/.test(o)) throw invalidArgument(`invalid tmpfs option ${JSON.stringify(o)} for ${path}`);
    // Docker's defaults for --tmpfs, then the user's options (later ones win in the kernel).
    spec.push({ destination: target, type: "tmpfs", source: "tmpfs", options: ["noexec", "nosuid", "nodev", ...given] });
    points.push({ Type: "tmpfs", Source: "", Destination: target, Mode: options, RW: !given.includes("ro"), Propagation: "" });
  }
  // Volumes (named, anonymous, the image's, copied): their _data directories, bind-mounted.
  for (const v of volumes ?? []) {
    const target = dest(v.destination, `volume ${v.name}`);
    spec.push({ destination: target, type: "bind", source: v.source, options: ["rbind", v.rw ? "rw" : "ro", "rprivate"] });
    // moby sets Mode "z" on a named local volume it mounts itself; a --volumes-from copy has none.
    const mode = v.copied ? "" : v.mode || (v.name && !v.anonymous ? "z" : "");
    points.push({ Type: "volume", Name: v.name, Source: v.source, Destination: target, Driver: "local", Mode: mode, RW: v.rw, Propagation: "" });
  }
  // Binds copied from --volumes-from sources (already without the destinations declared above).
  for (const b of copiedBinds) bind(b.source, dest(b.destination, `--volumes-from bind ${b.source}`), !b.rw, b.propagation, "");
  // moby sorts mounts by depth so a mount inside another (a bind under a volume) lands on top.
  const depth = (d: string) => d.split("/").length;
  spec.sort((a, b) => depth(a.destination) - depth(b.destination));
  return { spec, points };
}
