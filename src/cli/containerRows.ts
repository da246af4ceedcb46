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

/** Go's net.JoinHostPort: IPv6 hosts in brackets. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * docker's DisplayablePorts ("0.0.0.0:8080->80/tcp, 443/tcp"): sorted by private port, IP,
 * public port, type; runs of consecutive ports published on the same port number (or not
 * published) fold into one range ("8000-8002/tcp", "0.0.0.0:7000-7001->7000-7001/tcp"); other
 * mappings are listed one by one after the ranges. An IPv6 host shows as docker shows it,
 * without brackets in folded ranges (":::80->80/tcp").
 */
export function displayPorts(ports: readonly Port[]): string {
  const sorted = [...ports].sort((a, b) =>
    a.PrivatePort - b.PrivatePort || cmp(a.IP ?? "", b.IP ?? "") || (a.PublicPort ?? 0) - (b.PublicPort ?? 0) || cmp(a.Type, b.Type));
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const mappings: string[] = [];
  for (const p of sorted) {
    let key: string = p.Type;
    if (p.IP) {
      if ((p.PublicPort ?? 0) !== p.PrivatePort) {
        mappings.push(`${joinHostPort(p.IP, p.PublicPort ?? 0)}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const g = groups.get(key);
    if (!g) groups.set(key, { first: p.PrivatePort, last: p.PrivatePort });
    else if (p.PrivatePort === g.last + 1) g.last = p.PrivatePort;
    else {
      result.push(portGroup(key, g.first, g.last));
      // Go re-inserts the key: it keeps its first place in the final listing.
      groups.set(key, { first: p.PrivatePort, last: p.PrivatePort });
    }
  }
  for (const [key, g] of groups) result.push(portGroup(key, g.first, g.last));
  return [...result, ...mappings].join(", ");
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function portGroup(key: string, first: number, last: number): string {
  const parts = key.split("/");
  const [ip, type] = parts.length > 1 ? [parts[0]!, parts[1]!] : ["", parts[0]!];
  let group = first === last ? `${first}` : `${first}-${last}`;
  if (ip) group = `${ip}:${group}->${group}`;
  return `${group}/${type}`;
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
