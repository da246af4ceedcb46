/**
 * The daemon's SystemBackend (src/api/backend.ts): /info from the real system, /system/df from
 * the image store and the container engine, /auth against the registry (credentials checked,
 * nothing written), /events from the daemon's event bus.
 *
 * The container engine and the event bus are parameters (lookups, not imports), so this file
 * does not depend on how those are built.
 */
import type { Volume } from "../api/types/volume.js";
import { machine } from "node:os";
import { EngineError } from "../errors/EngineError.js";
import type { EventsOptions, SystemBackend } from "../api/backend.js";
import type { ContainerSummary } from "../api/types/container.js";
import type { AuthConfig, AuthResponse, DiskUsage, DiskUsageObject, EngineInfo, EventMessage, IndexInfo } from "../api/types/system.js";
import { collectHostFacts, type HostFacts } from "../api/host-facts.js";
import type { ImageService } from "../image/ImageService.js";
import { resolveRegistryHost } from "../image/registry/hostConfig.js";
import { RegistryClient } from "../image/registry/RegistryClient.js";
import type { RegistryConnectionOptions } from "./imageBackend.js";
import { credentialsOf, registryHostname } from "./imageRegistryAuth.js";
import { loadOrCreateEngineId } from "./systemIdentity.js";
import { backingFilesystem, detectedCgroupVersion, swapLimitSupported } from "./systemHostFacts.js";

/** The daemon's event bus as the system routes need it (src/engine/events provides one). */
export interface EventSource {
  subscribe(options: EventsOptions, signal: AbortSignal): AsyncIterable<EventMessage>;
}

export interface SystemBackendDeps {
  images: ImageService;
  /** The data root (DockerRootDir; holds the engine-id file). */
  dataRoot: string;
  /** All containers of the engine; `size` asks for SizeRw/SizeRootFs (system df). */
  listContainers(options: { size: boolean }): Promise<ContainerSummary[]>;
  events?: EventSource;
  registry?: RegistryConnectionOptions;
  /** The OCI runtime berthd drives, shown as Runtimes.berth.path. */
  runtimePath: string;
  /** Detected from the host's mounts when absent. */
  cgroupVersion?: "1" | "2";
  /** Host facts (kernel, OS, CPUs, memory, hostname); collected once when absent. */
  hostFacts?: HostFacts;
  /** Volumes with UsageData (size by du, reference count) for `docker system df`. */
  volumeUsage?: () => Promise<Volume[]>;
  /** The daemon remaps containers into a user namespace (--userns-remap): "name=userns" in SecurityOptions. */
  userns?: boolean;
}

export function createSystemBackend(deps: SystemBackendDeps): SystemBackend {
  let engineId: Promise<string> | undefined;
  let facts: { host: HostFacts; cgroup: "1" | "2"; swap: boolean; backing: string } | undefined;
  const hostFacts = () => {
    if (!facts) {
      const cgroup = deps.cgroupVersion ?? detectedCgroupVersion();
      facts = { host: deps.hostFacts ?? collectHostFacts(), cgroup, swap: swapLimitSupported(cgroup), backing: backingFilesystem(deps.dataRoot) };
    }
    return facts;
  };

  return {
    async info(): Promise<EngineInfo> {
      engineId ??= loadOrCreateEngineId(deps.dataRoot).catch((e) => { engineId = undefined; throw e; });
      const f = hostFacts();
      const containers = await deps.listContainers({ size: false });
      const count = (s: string) => containers.filter((c) => c.State === s).length;
      const running = count("running") + count("restarting");
      const paused = count("paused");
      const insecure = deps.registry?.insecureRegistries ?? [];
      const indexConfigs: Record<string, IndexInfo> = { "docker.io": { Name: "docker.io", Mirrors: [], Secure: true, Official: true } };
      for (const r of insecure) indexConfigs[r] = { Name: r, Mirrors: [], Secure: false, Official: false };
      const warnings: string[] = [];
      if (!f.swap) warnings.push("WARNING: No swap limit support");
      return {
        ID: await engineId,
        Containers: containers.length,
        ContainersRunning: running,
        ContainersPaused: paused,
        ContainersStopped: containers.length - running - paused,
        Images: deps.images.records.list().length,
        Driver: "overlayfs",
        DriverStatus: [["Backing Filesystem", f.backing]],
        DockerRootDir: deps.dataRoot,
        CgroupDriver: "cgroupfs",
        CgroupVersion: f.cgroup,
        Runtimes: { berth: { path: deps.runtimePath } },
        DefaultRuntime: "berth",
        SecurityOptions: [...(f.cgroup === "2" ? ["name=seccomp,profile=builtin", "name=cgroupns"] : ["name=seccomp,profile=builtin"]), ...(deps.userns ? ["name=userns"] : [])],
        LiveRestoreEnabled: true,
        SwapLimit: f.swap,
        KernelVersion: f.host.kernelVersion,
        OperatingSystem: f.host.operatingSystem,
        OSVersion: f.host.osVersion,
        OSType: "linux",
        // /info reports uname's machine (x86_64), /version the Go arch (amd64), as moby does.
        Architecture: machine(),
        NCPU: f.host.ncpu,
        MemTotal: f.host.memTotal,
        Name: f.host.hostname,
        RegistryConfig: { InsecureRegistryCIDRs: ["127.0.0.0/8"], IndexConfigs: indexConfigs, Mirrors: [] },
        Warnings: warnings.length ? warnings : null,
      };
    },

    async diskUsage(objects: readonly DiskUsageObject[]): Promise<DiskUsage> {
      const want = new Set(objects);
      const out: DiskUsage = { LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] };
      if (want.has("image")) {
        const du = await deps.images.diskUsage();
        const byId = new Map(du.Images.map((i) => [i.Id, i]));
        out.LayersSize = du.LayersSize;
        out.Images = (await deps.images.list()).map((s) => {
          const u = byId.get(s.Id);
          return {
            Id: s.Id, ParentId: s.ParentId, RepoTags: s.RepoTags, RepoDigests: s.RepoDigests, Created: s.Created,
            Size: u?.Size ?? s.Size, SharedSize: u?.SharedSize ?? 0, Labels: s.Labels, Containers: u?.Containers ?? s.Containers,
          };
        });
      }
      if (want.has("container")) out.Containers = await deps.listContainers({ size: true });
      if (want.has("volume") && deps.volumeUsage) out.Volumes = await deps.volumeUsage();
      // The build cache does not exist in berth yet: empty, not invented.
      return out;
    },

    async auth(config: AuthConfig): Promise<AuthResponse> {
      const name = registryHostname(config.serveraddress);
      const credentials = credentialsOf(config);
      const host = await resolveRegistryHost(name, deps.registry ?? {});
      const client = new RegistryClient(host, { ...(credentials ? { credentials } : {}), attempts: 2 });
      try {
        await client.ping({ op: "login", name });
      } finally {
        client.close();
      }
      return { Status: "Login Succeeded", IdentityToken: "" };
    },

    async events(options: EventsOptions, signal: AbortSignal): Promise<AsyncIterable<EventMessage>> {
      if (!deps.events) throw new EngineError("NotImplemented", "events: this daemon was started without an event bus");
      return deps.events.subscribe(options, signal);
    },
  };
}
