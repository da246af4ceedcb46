/** Row objects for `ps` templates: docker's containerContext fields and its Label method. */
import type { ContainerSummary, Port } from "../api/types/container.js";
import { ellipsis, humanDuration, humanSize, shortId } from "./format.js";
import { STRICT } from "./template/execute.js";
import type { FormatSpec, Row } from "./formatter.js";

export const PS_FORMAT: FormatSpec = {
  defaultTable: "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
  headers: {
    ID: "CONTAINER ID", Image: "IMAGE", Command: "COMMAND", CreatedAt: "CREATED AT", RunningFor: "CREATED", Ports: "PORTS",
    State: "STATE", Status: "STATUS", Size: "SIZE", Names: "NAMES", Labels: "LABELS", Label: "LABEL", Mounts: "MOUNTS",
    Networks: "NETWORKS", LocalVolumes: "LOCAL VOLUMES",
  },
};

/** Go's time.Time String() in UTC: "2026-11-26 13:00:00 +0000 UTC". */
export function goTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " +0000 UTC");
}

/** docker's DisplayablePorts, simplified to one entry per mapping, sorted. */
export function displayPorts(ports: readonly Port[]): string {
  return [...ports]
    .map((p) => (p.PublicPort ? `${p.IP?.includes(":") ? `[${p.IP}]` : (p.IP ?? "0.0.0.0")}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`))
    .sort()
    .join(", ");
}

export function containerRow(c: ContainerSummary, o: { trunc: boolean; now?: number }): Row {
  const now = o.now ?? Date.now();
  const command = o.trunc ? ellipsis(c.Command, 20) : c.Command;
  const image = c.Image.startsWith("sha256:") && o.trunc ? shortId(c.Image) : c.Image;
  const names = c.Names.map((n) => n.replace(/^\//, "")).filter((n) => !n.includes("/"));
  const labels = c.Labels ?? {};
  // docker's containerContext.Size: the writable layer, plus the virtual size when known.
  const rootFs = c.SizeRootFs ?? 0;
  const size = rootFs > 0 ? `${humanSize(c.SizeRw ?? 0)} (virtual ${humanSize(rootFs)})` : humanSize(c.SizeRw ?? 0);
  return {
    [STRICT]: "*formatter.ContainerContext",
    ID: o.trunc ? shortId(c.Id) : c.Id,
    Image: image,
    Command: `"${command}"`,
    CreatedAt: goTime(c.Created),
    RunningFor: `${humanDuration(Math.max(0, now - c.Created * 1000))} ago`,
    Ports: displayPorts(c.Ports ?? []),
    State: c.State,
    Status: c.Status,
    Size: size,
    Names: names.join(","),
    Labels: Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(","),
    Mounts: (c.Mounts ?? []).map((m) => (o.trunc ? ellipsis(m.Name || m.Source, 15) : m.Name || m.Source)).join(","),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).sort().join(","),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Driver === "local").length),
    Label(key: string) {
      return labels[key] ?? "";
    },
  };
}
