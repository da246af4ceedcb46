import { join } from "node:path";
import type { ContainerInspect, ContainerState, ContainerSummary, GraphDriverData, MountPoint } from "../../api/types/container.js";
import type { ImageService } from "../../image/ImageService.js";
import { ZERO_TIME, type ContainerRecord } from "./ContainerRecord.js";
import { networkSettingsView, recordedNetworks } from "./containerNetworkView.js";
import { humanDuration } from "./humanDuration.js";
import { userMounts } from "./userMounts.js";

/** State as Docker shows it: Running stays true while paused or restarting (moby's State). */
export function stateView(rec: ContainerRecord): ContainerState {
  const s = rec.state;
  const st: ContainerState = {
    Status: s.status,
    Running: s.status === "running" || s.status === "paused" || s.status === "restarting",
    Paused: s.status === "paused",
    Restarting: s.status === "restarting",
    OOMKilled: s.oomKilled,
    Dead: s.status === "dead",
    Pid: s.pid,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: s.startedAt,
    FinishedAt: s.finishedAt,
  };
  if (s.health) st.Health = s.health;
  return st;
}

/** docker ps's Status column (moby container/state.go String). */
export function statusText(rec: ContainerRecord, now = Date.now()): string {
  const s = rec.state;
  const since = (t: string) => humanDuration(Math.max(0, now - Date.parse(t)));
  switch (s.status) {
    case "running": return `Up ${since(s.startedAt)}${healthSuffix(rec)}`;
    case "paused": return `Up ${since(s.startedAt)} (Paused)`;
    case "restarting": return `Restarting (${s.exitCode}) ${since(s.finishedAt)} ago`;
    case "removing": return "Removal In Progress";
    case "dead": return "Dead";
    default:
      if (s.startedAt === ZERO_TIME) return "Created";
      if (s.finishedAt === ZERO_TIME) return "";
      return `Exited (${s.exitCode}) ${since(s.finishedAt)} ago`;
  }
}

/** moby Health.String(): " (health: starting)", " (healthy)", " (unhealthy)"; nothing without checks. */
function healthSuffix(rec: ContainerRecord): string {
  const h = rec.state.health;
  if (!h || h.Status === "none") return "";
  return h.Status === "starting" ? " (health: starting)" : ` (${h.Status})`;
}

export function mountPoints(rec: ContainerRecord): MountPoint[] {
  try {
    return userMounts(rec.hostConfig, false, rec.volumes, rec.copiedBinds).points;
  } catch {
    // A bind source deleted since create: show what can be shown (start will report it).
    return [];
  }
}

export function summaryView(rec: ContainerRecord, sizes?: { rw: number; rootFs: number }): ContainerSummary {
  const out: ContainerSummary = {
    Id: rec.id,
    Names: [`/${rec.name}`],
    Image: rec.image,
    ImageID: rec.imageId,
    Command: [rec.path, ...rec.args].join(" "),
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: [],
    Labels: rec.config.Labels ?? {},
    State: rec.state.status,
    Status: statusText(rec),
    HostConfig: { NetworkMode: rec.hostConfig.NetworkMode ?? "bridge" },
    NetworkSettings: { Networks: recordedNetworks(rec) },
    Mounts: mountPoints(rec),
  };
  if (sizes) {
    out.SizeRw = sizes.rw;
    out.SizeRootFs = sizes.rootFs;
  }
  return out;
}

async function graphDriver(images: ImageService, rec: ContainerRecord): Promise<GraphDriverData> {
  const data: Record<string, string> = {};
  const mounts = await images.containerMounts(rec.id).catch(() => []);
  for (const m of mounts) {
    for (const o of m.options ?? []) {
      const eq = o.indexOf("=");
      if (eq < 0) continue;
      const k = o.slice(0, eq);
      const v = o.slice(eq + 1);
      const abs = (p: string) => (m.cwd && !p.startsWith("/") ? join(m.cwd, p) : p);
      if (k === "lowerdir") data.LowerDir = v.split(":").map(abs).join(":");
      if (k === "upperdir") data.UpperDir = abs(v);
      if (k === "workdir") data.WorkDir = abs(v);
    }
  }
  data.MergedDir = join(rec.dir, "rootfs");
  return { Name: "overlayfs", Data: data };
}

export async function inspectView(images: ImageService, rec: ContainerRecord, sizes?: { rw: number; rootFs: number }): Promise<ContainerInspect> {
  const out: ContainerInspect = {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: stateView(rec),
    Image: rec.imageId,
    ResolvConfPath: join(rec.dir, "resolv.conf"),
    HostnamePath: join(rec.dir, "hostname"),
    HostsPath: join(rec.dir, "hosts"),
    LogPath: rec.logPath,
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount,
    Driver: "overlayfs",
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: null,
    HostConfig: rec.hostConfig,
    GraphDriver: await graphDriver(images, rec),
    Mounts: mountPoints(rec),
    Config: rec.config,
    NetworkSettings: networkSettingsView(rec),
  };
  if (sizes) {
    out.SizeRw = sizes.rw;
    out.SizeRootFs = sizes.rootFs;
  }
  return out;
}
