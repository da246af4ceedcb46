/** Wire types of the system routes: /version, /info, /system/df, /auth (moby api/swagger.yaml). */
import type { ContainerSummary } from "./container.js";
import type { ImageSummary } from "./image.js";
import type { Volume } from "./volume.js";

export interface ComponentVersion {
  Name: string;
  Version: string;
  Details?: Record<string, string>;
}

export interface Version {
  Platform: { Name: string };
  Components: ComponentVersion[];
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  Experimental?: boolean;
  BuildTime: string;
}

export interface Runtime {
  path?: string;
  runtimeArgs?: string[];
  status?: Record<string, string>;
}

export interface PluginsInfo {
  Volume: string[];
  Network: string[];
  Authorization: string[] | null;
  Log: string[];
}

export interface IndexInfo {
  Name: string;
  Mirrors: string[];
  Secure: boolean;
  Official: boolean;
}

export interface RegistryServiceConfig {
  AllowNondistributableArtifactsCIDRs?: string[];
  AllowNondistributableArtifactsHostnames?: string[];
  InsecureRegistryCIDRs: string[];
  IndexConfigs: Record<string, IndexInfo>;
  Mirrors: string[];
}

export interface Commit { ID: string; Expected?: string }

export interface SwarmInfo {
  NodeID: string;
  NodeAddr: string;
  LocalNodeState: "" | "inactive" | "pending" | "active" | "error" | "locked";
  ControlAvailable: boolean;
  Error: string;
  RemoteManagers: unknown[] | null;
}

/** GET /info. */
export interface Info {
  ID: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DriverStatus: [string, string][];
  Plugins: PluginsInfo;
  MemoryLimit: boolean;
  SwapLimit: boolean;
  KernelMemoryTCP?: boolean;
  CpuCfsPeriod: boolean;
  CpuCfsQuota: boolean;
  CPUShares: boolean;
  CPUSet: boolean;
  PidsLimit: boolean;
  IPv4Forwarding: boolean;
  BridgeNfIptables?: boolean;
  BridgeNfIp6tables?: boolean;
  Debug: boolean;
  NFd: number;
  OomKillDisable: boolean;
  NGoroutines: number;
  SystemTime: string;
  LoggingDriver: string;
  CgroupDriver: "cgroupfs" | "systemd" | "none";
  CgroupVersion: "1" | "2";
  NEventsListener: number;
  KernelVersion: string;
  OperatingSystem: string;
  OSVersion: string;
  OSType: string;
  Architecture: string;
  IndexServerAddress: string;
  RegistryConfig: RegistryServiceConfig | null;
  NCPU: number;
  MemTotal: number;
  GenericResources: unknown[] | null;
  DockerRootDir: string;
  HttpProxy: string;
  HttpsProxy: string;
  NoProxy: string;
  Name: string;
  Labels: string[];
  ExperimentalBuild: boolean;
  ServerVersion: string;
  Runtimes: Record<string, Runtime>;
  DefaultRuntime: string;
  Swarm: SwarmInfo;
  LiveRestoreEnabled: boolean;
  Isolation: string;
  InitBinary: string;
  ContainerdCommit: Commit;
  RuncCommit: Commit;
  InitCommit: Commit;
  SecurityOptions: string[];
  CDISpecDirs?: string[];
  Warnings: string[] | null;
}

/**
 * What the engine knows about itself for /info; the API fills in the host facts (kernel, OS,
 * CPUs, memory, hostname, version) it computes once at start.
 */
export type EngineInfo = Pick<Info,
  | "ID" | "Containers" | "ContainersRunning" | "ContainersPaused" | "ContainersStopped" | "Images"
  | "Driver" | "DriverStatus" | "DockerRootDir" | "CgroupDriver" | "CgroupVersion" | "Runtimes"
  | "DefaultRuntime" | "SecurityOptions" | "LiveRestoreEnabled"
> & Partial<Info>;

/** GET /system/df. */
export interface DiskUsage {
  LayersSize: number;
  Images: ImageSummary[];
  Containers: ContainerSummary[];
  Volumes: Volume[];
  BuildCache: unknown[];
}

export type DiskUsageObject = "container" | "image" | "volume" | "build-cache";

/** POST /auth body. */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** Deprecated, still sent by old clients. */
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface AuthResponse {
  Status: string;
  IdentityToken?: string;
}

/** GET /events message. */
export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

export interface EventMessage {
  Type: "builder" | "config" | "container" | "daemon" | "image" | "network" | "node" | "plugin" | "secret" | "service" | "volume";
  Action: string;
  Actor: EventActor;
  scope: "local" | "swarm";
  time: number;
  timeNano: number;
  /** Deprecated fields still filled by moby for old clients. */
  status?: string;
  id?: string;
  from?: string;
}
