import type { ContainerConfig, ContainerStateStatus, Health, HostConfig } from "../../api/types/container.js";
import type { EndpointSettings } from "../../api/types/network.js";
import type { Digest } from "../../oci/image.js";

/**
 * What the engine keeps about a container (in SQLite, table `containers`, as JSON columns).
 * Docker's own Config and HostConfig shapes are kept as given (type-only imports of the wire
 * types: pure data), so inspect returns exactly what create received.
 */
export interface ContainerRecord {
  /** 64 lower-case hex characters. */
  id: string;
  /** Without the leading "/" (the API adds it). Unique. */
  name: string;
  /** RFC 3339 with nanoseconds. */
  created: string;
  /** The image as the user named it, and the image ID it resolved to at create. */
  image: string;
  imageId: Digest;
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** Resolved process: Path = args[0] of entrypoint+cmd, Args = the rest. */
  path: string;
  args: string[];
  state: ContainerStateRecord;
  restartCount: number;
  /** The container's directory (bundle: config.json, rootfs/, hosts, hostname, resolv.conf). */
  dir: string;
  /** The CRI-format log file the shim writes (rotated as <logPath>.1 …). */
  logPath: string;
  /** Who owns it (multi-tenancy, later issue); "" = the daemon's admin. */
  owner: string;
  /** Volumes resolved at create (named, anonymous, image VOLUMEs, and those of --volumes-from sources); they hold the references. */
  volumes?: ContainerVolumeMount[];
  /**
   * Bind mounts copied from the --volumes-from sources at create (moby copies the sources' mount
   * points once, at create). Absent in records of containers without --volumes-from.
   */
  copiedBinds?: CopiedBind[];
  /**
   * A bridged container's endpoint configs by network name (aliases, --ip, MAC, NetworkID), as
   * validated at create and changed by network connect/disconnect; the first is NetworkMode's
   * network (its gateway is the default route). Absent for host, none and container:<id>.
   */
  endpoints?: Record<string, EndpointSettings>;
}

/** One volume mounted into a container: the volume's _data directory bind-mounted at destination. */
export interface ContainerVolumeMount {
  name: string;
  destination: string;
  /** The volume's data directory on the host. */
  source: string;
  rw: boolean;
  /** What the user wrote after the destination (-v name:/d:ro → "ro"); "" for --mount and image volumes. */
  mode: string;
  /** Created without a name: `docker rm -v` and AutoRemove delete it once no other container uses it. */
  anonymous: boolean;
  /** Copied from a --volumes-from source (moby copies no Mode: inspect shows ""). */
  copied?: boolean;
}

/** A bind mount a container got from a --volumes-from source. */
export interface CopiedBind {
  source: string;
  destination: string;
  rw: boolean;
  /** rprivate, rshared, ... as the source had it. */
  propagation: string;
}

export interface ContainerStateRecord {
  status: ContainerStateStatus;
  /** Init pid while running/paused, else 0. */
  pid: number;
  exitCode: number;
  /** RFC 3339; "0001-01-01T00:00:00Z" when never (Docker's zero time). */
  startedAt: string;
  finishedAt: string;
  oomKilled: boolean;
  /** Last error starting it (Docker's State.Error). */
  error: string;
  health?: Health;
  /** Set by stop/kill issued by the user, so restart policies do not restart it. */
  manuallyStopped?: boolean;
}

/** Finding containers by full id, unique id prefix or name (Docker's rules), for every engine part. */
export interface ContainerLookup {
  /** NotFound: "No such container: <input>"; an ambiguous prefix is InvalidArgument. */
  get(idOrName: string): ContainerRecord;
  /** The runtime state directory of a created container (ctl.sock, exit, shim.pid). */
  runtimeDir(id: string): string;
}

export const ZERO_TIME = "0001-01-01T00:00:00Z";
