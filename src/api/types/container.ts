/** Wire types of the container routes (moby api/types/container, api/swagger.yaml). */
import type { EndpointSettings, NetworkingConfig } from "./network.js";

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
  StartInterval?: number;
}

/** The portable part of a container's configuration (`Config`). */
export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, Record<string, never>> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, Record<string, never>> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[] | null;
}

export interface PortBinding { HostIp?: string; HostPort?: string }
export type PortMap = Record<string, PortBinding[] | null>;

export interface RestartPolicy {
  Name?: "" | "no" | "always" | "unless-stopped" | "on-failure";
  MaximumRetryCount?: number;
}

export interface Mount {
  Target?: string;
  Source?: string;
  Type?: "bind" | "volume" | "tmpfs" | "npipe" | "cluster" | "image";
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean; ReadOnlyNonRecursive?: boolean; ReadOnlyForceRecursive?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> }; Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] };
}

export interface DeviceMapping { PathOnHost?: string; PathInContainer?: string; CgroupPermissions?: string }
export interface Ulimit { Name: string; Soft: number; Hard: number }
export interface ThrottleDevice { Path: string; Rate: number }
export interface WeightDevice { Path: string; Weight: number }
export interface LogConfig { Type?: string; Config?: Record<string, string> }

/** Resources, shared by HostConfig and POST /containers/{id}/update. */
export interface Resources {
  CpuShares?: number;
  Memory?: number;
  CgroupParent?: string;
  BlkioWeight?: number;
  BlkioWeightDevice?: WeightDevice[] | null;
  BlkioDeviceReadBps?: ThrottleDevice[] | null;
  BlkioDeviceWriteBps?: ThrottleDevice[] | null;
  BlkioDeviceReadIOps?: ThrottleDevice[] | null;
  BlkioDeviceWriteIOps?: ThrottleDevice[] | null;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  Devices?: DeviceMapping[] | null;
  DeviceCgroupRules?: string[] | null;
  DeviceRequests?: unknown[] | null;
  MemoryReservation?: number;
  MemorySwap?: number;
  MemorySwappiness?: number | null;
  NanoCpus?: number;
  OomKillDisable?: boolean | null;
  PidsLimit?: number | null;
  Ulimits?: Ulimit[] | null;
  CpuCount?: number;
  CpuPercent?: number;
  IOMaximumIOps?: number;
  IOMaximumBandwidth?: number;
}

export interface HostConfig extends Resources {
  Binds?: string[] | null;
  ContainerIDFile?: string;
  LogConfig?: LogConfig;
  NetworkMode?: string;
  PortBindings?: PortMap | null;
  RestartPolicy?: RestartPolicy;
  AutoRemove?: boolean;
  VolumeDriver?: string;
  VolumesFrom?: string[] | null;
  Mounts?: Mount[] | null;
  ConsoleSize?: [number, number] | null;
  Annotations?: Record<string, string> | null;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  CgroupnsMode?: "private" | "host" | "";
  Dns?: string[] | null;
  DnsOptions?: string[] | null;
  DnsSearch?: string[] | null;
  ExtraHosts?: string[] | null;
  GroupAdd?: string[] | null;
  IpcMode?: string;
  Cgroup?: string;
  Links?: string[] | null;
  OomScoreAdj?: number;
  PidMode?: string;
  Privileged?: boolean;
  PublishAllPorts?: boolean;
  ReadonlyRootfs?: boolean;
  SecurityOpt?: string[] | null;
  StorageOpt?: Record<string, string> | null;
  Tmpfs?: Record<string, string> | null;
  UTSMode?: string;
  UsernsMode?: string;
  ShmSize?: number;
  Sysctls?: Record<string, string> | null;
  Runtime?: string;
  Isolation?: string;
  MaskedPaths?: string[] | null;
  ReadonlyPaths?: string[] | null;
  Init?: boolean | null;
}

/** POST /containers/create body: Config plus HostConfig and NetworkingConfig. */
export interface ContainerCreateRequest extends ContainerConfig {
  HostConfig?: HostConfig;
  NetworkingConfig?: NetworkingConfig;
}

export interface ContainerCreateOptions {
  name?: string;
  platform?: string;
}

export interface ContainerCreateResponse { Id: string; Warnings: string[] }

export interface Port {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: "tcp" | "udp" | "sctp";
}

export interface MountPoint {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** GET /containers/json element. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  ImageManifestDescriptor?: unknown;
  Command: string;
  Created: number;
  Ports: Port[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string>;
  State: ContainerStateStatus;
  Status: string;
  HostConfig: { NetworkMode: string; Annotations?: Record<string, string> };
  NetworkSettings: { Networks: Record<string, EndpointSettings> };
  Mounts: MountPoint[];
}

export type ContainerStateStatus = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

export interface HealthLog { Start: string; End: string; ExitCode: number; Output: string }
export interface Health { Status: "none" | "starting" | "healthy" | "unhealthy"; FailingStreak: number; Log: HealthLog[] }

export interface ContainerState {
  Status: ContainerStateStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: Health;
}

export interface NetworkSettings {
  Bridge: string;
  SandboxID: string;
  SandboxKey: string;
  Ports: PortMap;
  HairpinMode?: boolean;
  LinkLocalIPv6Address?: string;
  LinkLocalIPv6PrefixLen?: number;
  SecondaryIPAddresses?: unknown[] | null;
  SecondaryIPv6Addresses?: unknown[] | null;
  EndpointID?: string;
  Gateway?: string;
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  IPAddress?: string;
  IPPrefixLen?: number;
  IPv6Gateway?: string;
  MacAddress?: string;
  Networks: Record<string, EndpointSettings>;
}

export interface GraphDriverData { Name: string; Data: Record<string, string> | null }

/** GET /containers/{id}/json. */
export interface ContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  ExecIDs: string[] | null;
  HostConfig: HostConfig;
  GraphDriver: GraphDriverData;
  SizeRw?: number;
  SizeRootFs?: number;
  Mounts: MountPoint[];
  Config: ContainerConfig;
  NetworkSettings: NetworkSettings;
}

export interface ContainerListOptions {
  all: boolean;
  limit?: number;
  size: boolean;
  filters: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface ContainerTopResponse { Titles: string[]; Processes: string[][] }

/** Kind: 0 modified, 1 added, 2 deleted. */
export interface FilesystemChange { Path: string; Kind: 0 | 1 | 2 }

export interface ContainerUpdateRequest extends Resources { RestartPolicy?: RestartPolicy }
export interface ContainerUpdateResponse { Warnings: string[] }

export type WaitCondition = "not-running" | "next-exit" | "removed";
export interface ContainerWaitResponse { StatusCode: number; Error: { Message: string } | null }

export interface ContainerPruneResponse { ContainersDeleted: string[] | null; SpaceReclaimed: number }

/**
 * X-Docker-Container-Path-Stat header (base64 JSON) of the archive routes. `mode` is Go's
 * os.FileMode, not a unix mode: permission bits plus 1<<31 for a directory and 1<<27 for a
 * symlink (the docker CLI tests those bits); `mtime` is RFC 3339.
 */
export interface PathStat { name: string; size: number; mode: number; mtime: string; linkTarget: string }

/** One element of the stats stream (GET /containers/{id}/stats); engine-defined detail passes through. */
export interface StatsResponse {
  read: string;
  preread: string;
  name?: string;
  id?: string;
  num_procs: number;
  pids_stats: { current?: number; limit?: number };
  cpu_stats: Record<string, unknown>;
  precpu_stats: Record<string, unknown>;
  memory_stats: Record<string, unknown>;
  blkio_stats: Record<string, unknown>;
  networks?: Record<string, Record<string, number>>;
  storage_stats?: Record<string, unknown>;
}
