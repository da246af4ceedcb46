import type { ContainerStateStatus, Port } from "../../api/types/container.js";
import { invalidArgument } from "../../errors/EngineError.js";
import type { ImageService } from "../../image/ImageService.js";
import type { ContainerRecord } from "./ContainerRecord.js";
import type { ContainerStore } from "./ContainerStore.js";
import { recordedNetworks } from "./containerNetworkView.js";
import { mountPoints } from "./containerViews.js";

export type Filters = ReadonlyMap<string, ReadonlySet<string>>;

const STATUSES: readonly ContainerStateStatus[] = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];

/** moby's Args.Match: each value is an unanchored regular expression (a bad one matches literally). */
function matchesAny(values: ReadonlySet<string>, s: string): boolean {
  for (const v of values) {
    try {
      if (new RegExp(v).test(s)) return true;
    } catch {
      if (s.includes(v)) return true;
    }
  }
  return false;
}

/** `label=key` or `label=key=value`: every value must hold (moby's MatchKVList). */
export function matchLabels(values: ReadonlySet<string> | undefined, labels: Record<string, string>): boolean {
  for (const v of values ?? []) {
    const eq = v.indexOf("=");
    if (eq < 0 ? !(v in labels) : labels[v.slice(0, eq)] !== v.slice(eq + 1)) return false;
  }
  return true;
}

export interface ListSelection { all: boolean; limit?: number; filters: Filters }

/**
 * GET /containers/json selection (moby daemon/list.go): newest first; without `all` only running
 * ones (paused and restarting count as running) unless a status filter says otherwise; `limit`
 * takes the newest N of any state.
 */
export function selectContainers(store: ContainerStore, images: ImageService, sel: ListSelection): ContainerRecord[] {
  const f = sel.filters;
  for (const s of f.get("status") ?? []) if (!STATUSES.includes(s as ContainerStateStatus)) throw invalidArgument(`invalid filter 'status=${s}'`);
  const exited = [...(f.get("exited") ?? [])].map((v) => {
    if (!/^-?\d+$/.test(v)) throw invalidArgument(`invalid filter 'exited=${v}'`);
    return Number(v);
  });
  const byCreated = store.all().sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  const edge = (name: string): string | undefined => {
    const v = [...(f.get(name) ?? [])][0];
    if (v === undefined) return undefined;
    return store.get(v).created;
  };
  const before = edge("before");
  const since = edge("since");
  const ancestors = new Set<string>();
  for (const a of f.get("ancestor") ?? []) {
    const img = images.tryResolve(a);
    if (img) ancestors.add(img.id);
    ancestors.add(a);
  }
  const all = sel.all || (sel.limit ?? 0) > 0 || f.has("status") || f.has("exited");
  const out: ContainerRecord[] = [];
  for (const rec of byCreated) {
    const st = rec.state.status;
    if (!all && st !== "running" && st !== "paused" && st !== "restarting") continue;
    if (f.has("status") && !f.get("status")!.has(st)) continue;
    if (exited.length > 0 && (st !== "exited" || !exited.includes(rec.state.exitCode))) continue;
    if (f.has("id") && ![...f.get("id")!].some((v) => rec.id.startsWith(v))) continue;
    if (f.has("name") && !matchesAny(f.get("name")!, `/${rec.name}`)) continue;
    if (!matchLabels(f.get("label"), rec.config.Labels ?? {})) continue;
    if (ancestors.size > 0 && !ancestors.has(rec.imageId) && !ancestors.has(rec.image)) continue;
    if (before !== undefined && rec.created >= before) continue;
    if (since !== undefined && rec.created <= since) continue;
    if (f.has("network") && !onNetwork(rec, f.get("network")!)) continue;
    if (f.has("volume") && !mountPoints(rec).some((m) => f.get("volume")!.has(m.Source) || f.get("volume")!.has(m.Destination) || (m.Name !== undefined && f.get("volume")!.has(m.Name)))) continue;
    // health: starting|healthy|unhealthy|none (moby: "none" = no health check).
    if (f.has("health") && !f.get("health")!.has(rec.state.health?.Status ?? "none")) continue;
    // publish/expose need the live port view: the daemon applies them (portFiltersMatch). No swarm tasks.
    if (f.get("is-task")?.has("true")) continue;
    out.push(rec);
    if (sel.limit && out.length >= sel.limit) break;
  }
  return out;
}

/** `network=<name|id>`: an exact network name or id among the container's networks (moby). */
function onNetwork(rec: ContainerRecord, values: ReadonlySet<string>): boolean {
  return Object.entries(recordedNetworks(rec)).some(([name, s]) => values.has(name) || (s.NetworkID !== undefined && s.NetworkID !== "" && values.has(s.NetworkID)));
}

/** `80`, `80/udp`, `8000-8080/tcp` → the "port/proto" keys it names (moby nat.ParsePortRange). */
function portKeys(name: string, v: string): string[] {
  const [range, proto = "tcp"] = v.split("/");
  const m = /^(\d+)(?:-(\d+))?$/.exec(range);
  const start = m ? Number(m[1]) : NaN;
  const end = m?.[2] !== undefined ? Number(m[2]) : start;
  if (!m || start < 1 || end > 65535 || end < start || !["tcp", "udp", "sctp"].includes(proto)) throw invalidArgument(`invalid filter '${name}=${v}'`);
  const out: string[] = [];
  for (let p = start; p <= end && out.length < 65536; p++) out.push(`${p}/${proto}`);
  return out;
}

/**
 * ps `publish` / `expose` filters (moby daemon/list.go): publish selects containers with a host
 * binding for one of the given container ports, expose ones exposing it. `ports` is the
 * summary's Port list (live), `exposed` the Config.ExposedPorts keys.
 */
export function portFiltersMatch(f: Filters, ports: readonly Port[], exposed: readonly string[]): boolean {
  const want = (name: string) => new Set([...(f.get(name) ?? [])].flatMap((v) => portKeys(name, v)));
  if (f.has("publish")) {
    const w = want("publish");
    if (!ports.some((p) => p.PublicPort !== undefined && w.has(`${p.PrivatePort}/${p.Type}`))) return false;
  }
  if (f.has("expose")) {
    const w = want("expose");
    if (!ports.some((p) => w.has(`${p.PrivatePort}/${p.Type}`)) && !exposed.some((k) => w.has(k.includes("/") ? k : `${k}/tcp`))) return false;
  }
  return true;
}

/** prune's `until`: a unix time, an RFC 3339 time, or a Go duration back from now ("24h"). */
export function parseUntil(v: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const dur = /^((\d+(\.\d+)?)(h|m|s|ms))+$/.test(v) ? goDuration(v) : undefined;
  if (dur !== undefined) return now - dur;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidArgument(`failed to parse value as time or duration: "${v}"`);
  return t;
}

function goDuration(v: string): number {
  let ms = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) ms += Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as "h" | "m" | "s" | "ms"];
  return ms;
}

/** POST /containers/prune filters: label, label!, until. */
export function pruneSelector(f: Filters): (rec: ContainerRecord) => boolean {
  const until = [...(f.get("until") ?? [])].map((v) => parseUntil(v));
  return (rec) => {
    const labels = rec.config.Labels ?? {};
    if (!matchLabels(f.get("label"), labels)) return false;
    for (const v of f.get("label!") ?? []) {
      const eq = v.indexOf("=");
      if (eq < 0 ? v in labels : labels[v.slice(0, eq)] === v.slice(eq + 1)) return false;
    }
    const created = Date.parse(rec.created);
    return until.every((u) => created < u);
  };
}
