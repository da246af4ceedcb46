/** Type checks of the container JSON bodies, field by field as Go's decoder would reject them. */
import type { Shape } from "../validate.js";

const RESOURCES: Shape = {
  CpuShares: "integer", Memory: "integer", CgroupParent: "string", BlkioWeight: "integer",
  BlkioWeightDevice: "array", BlkioDeviceReadBps: "array", BlkioDeviceWriteBps: "array",
  BlkioDeviceReadIOps: "array", BlkioDeviceWriteIOps: "array", CpuPeriod: "integer", CpuQuota: "integer",
  CpuRealtimePeriod: "integer", CpuRealtimeRuntime: "integer", CpusetCpus: "string", CpusetMems: "string",
  Devices: "array", DeviceCgroupRules: "string[]", DeviceRequests: "array", MemoryReservation: "integer",
  MemorySwap: "integer", MemorySwappiness: "integer", NanoCpus: "integer", OomKillDisable: "boolean",
  PidsLimit: "integer", Ulimits: "array", CpuCount: "integer", CpuPercent: "integer",
  IOMaximumIOps: "integer", IOMaximumBandwidth: "integer",
};

const RESTART_POLICY: Shape = { Name: "string", MaximumRetryCount: "integer" };

export const HOST_CONFIG: Shape = {
  ...RESOURCES,
  Binds: "string[]", ContainerIDFile: "string", LogConfig: { object: { Type: "string", Config: "map<string>" } },
  NetworkMode: "string", PortBindings: "object", RestartPolicy: { object: RESTART_POLICY }, AutoRemove: "boolean",
  VolumeDriver: "string", VolumesFrom: "string[]", Mounts: "array", ConsoleSize: "array", Annotations: "map<string>",
  CapAdd: "string[]", CapDrop: "string[]", CgroupnsMode: "string", Dns: "string[]", DnsOptions: "string[]",
  DnsSearch: "string[]", ExtraHosts: "string[]", GroupAdd: "string[]", IpcMode: "string", Cgroup: "string",
  Links: "string[]", OomScoreAdj: "integer", PidMode: "string", Privileged: "boolean", PublishAllPorts: "boolean",
  ReadonlyRootfs: "boolean", SecurityOpt: "string[]", StorageOpt: "map<string>", Tmpfs: "map<string>",
  UTSMode: "string", UsernsMode: "string", ShmSize: "integer", Sysctls: "map<string>", Runtime: "string",
  Isolation: "string", MaskedPaths: "string[]", ReadonlyPaths: "string[]", Init: "boolean",
};

export const CONTAINER_CREATE: Shape = {
  Hostname: "string", Domainname: "string", User: "string", AttachStdin: "boolean", AttachStdout: "boolean",
  AttachStderr: "boolean", ExposedPorts: "object", Tty: "boolean", OpenStdin: "boolean", StdinOnce: "boolean",
  Env: "string[]", Cmd: "string|string[]", Healthcheck: { object: { Test: "string|string[]", Interval: "integer", Timeout: "integer", Retries: "integer", StartPeriod: "integer", StartInterval: "integer" } },
  ArgsEscaped: "boolean", Image: "string", Volumes: "object", WorkingDir: "string", Entrypoint: "string|string[]",
  NetworkDisabled: "boolean", MacAddress: "string", OnBuild: "string[]", Labels: "map<string>", StopSignal: "string",
  StopTimeout: "integer", Shell: "string[]",
  HostConfig: { object: HOST_CONFIG },
  NetworkingConfig: { object: { EndpointsConfig: "object" } },
};

export const CONTAINER_UPDATE: Shape = { ...RESOURCES, RestartPolicy: { object: RESTART_POLICY } };
