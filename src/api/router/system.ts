/** /_ping, /version, /info, /system/df, /auth, /events. */
import { invalidArgument } from "../../errors/EngineError.js";
import type { SystemBackend } from "../backend.js";
import type { HostFacts } from "../host-facts.js";
import type { AuthConfig, DiskUsageObject, Info, Version } from "../types/system.js";
import { checkShape, requireObject } from "../validate.js";
import { MAX_API_VERSION, MIN_API_VERSION } from "../version.js";
import { validateFilterNames } from "../filters.js";
import { writeJsonLines } from "../streams/output.js";
import { checkedTimestamp, need, type ApiRouter } from "./support.js";
import type { Handler } from "../context.js";

export interface ServerFacts {
  version: string;
  gitCommit: string;
  buildTime: string;
  host: HostFacts;
}

export function versionResponse(f: ServerFacts): Version {
  const h = f.host;
  return {
    Platform: { Name: `Berth ${f.version}` },
    Components: [{
      Name: "Engine",
      Version: f.version,
      Details: {
        ApiVersion: MAX_API_VERSION, Arch: h.architecture, BuildTime: f.buildTime, Experimental: "false",
        GitCommit: f.gitCommit, GoVersion: `node ${h.nodeVersion}`, KernelVersion: h.kernelVersion,
        MinAPIVersion: MIN_API_VERSION, Os: "linux",
      },
    }],
    Version: f.version,
    ApiVersion: MAX_API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: f.gitCommit,
    GoVersion: `node ${h.nodeVersion}`,
    Os: "linux",
    Arch: h.architecture,
    KernelVersion: h.kernelVersion,
    BuildTime: f.buildTime,
  };
}

/** The engine's part of /info completed with host facts and the fields Berth has no use for. */
export function infoResponse(f: ServerFacts, engine: Awaited<ReturnType<SystemBackend["info"]>>): Info {
  const h = f.host;
  const base: Info = {
    ID: engine.ID,
    Containers: 0, ContainersRunning: 0, ContainersPaused: 0, ContainersStopped: 0, Images: 0,
    Driver: "overlayfs", DriverStatus: [],
    Plugins: { Volume: ["local"], Network: ["bridge", "host", "null"], Authorization: null, Log: ["json-file"] },
    MemoryLimit: true, SwapLimit: false, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true, CPUSet: true,
    PidsLimit: true, IPv4Forwarding: true, Debug: false, NFd: 0, OomKillDisable: false, NGoroutines: 0,
    SystemTime: new Date().toISOString(), LoggingDriver: "json-file", CgroupDriver: "cgroupfs", CgroupVersion: "1",
    NEventsListener: 0, KernelVersion: h.kernelVersion, OperatingSystem: h.operatingSystem, OSVersion: h.osVersion,
    OSType: "linux", Architecture: h.architecture, IndexServerAddress: "https://index.docker.io/v1/",
    RegistryConfig: { InsecureRegistryCIDRs: ["127.0.0.0/8"], IndexConfigs: {}, Mirrors: [] },
    NCPU: h.ncpu, MemTotal: h.memTotal, GenericResources: null, DockerRootDir: "", HttpProxy: "", HttpsProxy: "",
    NoProxy: "", Name: h.hostname, Labels: [], ExperimentalBuild: false, ServerVersion: f.version,
    Runtimes: {}, DefaultRuntime: "", Swarm: { NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false, Error: "", RemoteManagers: null },
    LiveRestoreEnabled: true, Isolation: "", InitBinary: "", ContainerdCommit: { ID: "" }, RuncCommit: { ID: "" },
    InitCommit: { ID: "" }, SecurityOptions: [], Warnings: null,
  };
  return { ...base, ...engine, ServerVersion: f.version };
}

const DF_TYPES: readonly DiskUsageObject[] = ["container", "image", "volume", "build-cache"];

export function registerSystemRoutes(router: ApiRouter, backend: SystemBackend | undefined, facts: ServerFacts): void {
  const ping: Handler = async (ctx) => {
    const res = ctx.response();
    res.setHeader("Builder-Version", "1");
    res.setHeader("Swarm", "inactive");
    res.setHeader("Cache-Control", "no-cache, no-store, must-revalidate");
    res.setHeader("Pragma", "no-cache");
    if (ctx.req.method === "HEAD") {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": "0" });
      res.end();
    } else {
      ctx.sendText(200, "OK");
    }
  };
  router.add("GET", "/_ping", ping);
  router.add("HEAD", "/_ping", ping);

  const version = versionResponse(facts);
  router.add("GET", "/version", async (ctx) => ctx.sendJson(200, version));

  router.add("GET", "/info", async (ctx) => {
    const engine = await need(backend, "system queries").info();
    ctx.sendJson(200, infoResponse(facts, engine));
  });

  router.add("GET", "/system/df", async (ctx) => {
    const raw = ctx.query.all("type");
    for (const t of raw) if (!DF_TYPES.includes(t as DiskUsageObject)) throw invalidArgument(`invalid type: ${t}`);
    const types = raw.length ? (raw as DiskUsageObject[]) : DF_TYPES;
    ctx.sendJson(200, await need(backend, "system queries").diskUsage(types, ctx.signal));
  });

  router.add("POST", "/auth", async (ctx) => {
    const body = requireObject(await ctx.json(), "auth");
    checkShape(body, { username: "string", password: "string", email: "string", serveraddress: "string", identitytoken: "string", registrytoken: "string" }, "auth");
    ctx.sendJson(200, await need(backend, "registry logins").auth(body as AuthConfig, ctx.signal));
  });

  router.add("GET", "/events", async (ctx) => {
    const filters = ctx.query.filters();
    validateFilterNames(filters, ["config", "container", "daemon", "event", "image", "label", "network", "node", "plugin", "scope", "secret", "service", "type", "volume"]);
    const events = await need(backend, "events").events({ since: checkedTimestamp(ctx, "since"), until: checkedTimestamp(ctx, "until"), filters }, ctx.signal);
    // Headers go out now: `docker events` waits for them before it reports anything.
    const res = ctx.startStream(200, { "Content-Type": "application/json" });
    await writeJsonLines(res, events, ctx.signal);
  });
}
