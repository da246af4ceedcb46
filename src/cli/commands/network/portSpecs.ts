/**
 * `-p/--publish` and `--expose` as the docker CLI reads them (go-connections nat.ParsePortSpecs
 * plus the CLI's long `target=80,published=8080` form): the ports the container exposes and the
 * host bindings of each, with docker's error words. Used by `run`/`create` and `port`.
 */
import { isIP } from "node:net";
import { invalidArgument } from "../../../errors/EngineError.js";
import type { PortBinding, PortMap } from "../../../api/types/container.js";

export interface PortSpecs {
  /** Config.ExposedPorts: "80/tcp" → {}. */
  exposed: Record<string, Record<string, never>>;
  /** HostConfig.PortBindings: "80/tcp" → [{HostIp, HostPort}], in flag order. */
  bindings: PortMap;
}

/** strconv.ParseUint(s, 10, 16) with Go's error text. */
function parseUint16(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** nat.ParsePortRange: "80" → [80, 80], "8000-8010" → [8000, 8010] (only the first two parts count, as in Go). */
export function parsePortRange(ports: string): [number, number] {
  if (ports === "") throw new Error("empty string specified for ports");
  if (!ports.includes("-")) {
    const p = parseUint16(ports);
    return [p, p];
  }
  const parts = ports.split("-");
  const start = parseUint16(parts[0]!);
  const end = parseUint16(parts[1]!);
  if (end < start) throw new Error(`invalid range specified for port: ${ports}`);
  return [start, end];
}

/** nat.SplitProtoPort: "80/udp" → ["udp", "80"], "80" → ["tcp", "80"], "" or "/x" → ["", ""]. */
export function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split("/");
  if (raw === "" || parts[0] === "") return ["", ""];
  if (parts.length === 1 || parts[1] === "") return ["tcp", parts[0]!];
  return [parts[1]!, parts[0]!];
}

/** ip, hostPort, containerPort: everything before the last two colons is the IP (IPv6 works bare or in brackets). */
function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(":");
  const n = parts.length;
  const container = parts[n - 1]!;
  if (n === 1) return ["", "", container];
  if (n === 2) return ["", parts[0]!, container];
  return [parts.slice(0, n - 2).join(":"), parts[n - 2]!, container];
}

interface PortMapping { port: string; binding: PortBinding }

/** nat.ParsePortSpec: one `[ip:][hostPort:]containerPort[/proto]`, ranges expanded. */
export function parsePortSpec(raw: string): PortMapping[] {
  const [rawIp, hostPort, rest] = splitParts(raw);
  const [protoRaw, containerPort] = splitProtoPort(rest);
  let ip = rawIp;
  if (ip.startsWith("[")) {
    const m = /^\[([^\]]*)\]$/.exec(ip);
    if (!m) throw invalidArgument(`invalid IP address ${ip}: missing ']' in address`);
    ip = m[1]!;
  }
  if (ip !== "" && isIP(ip) === 0) throw invalidArgument(`invalid IP address: ${ip}`);
  if (containerPort === "") throw invalidArgument(`no port specified: ${raw}<empty>`);
  let start: number, end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    throw invalidArgument(`invalid containerPort: ${containerPort}`);
  }
  let hostStart = 0, hostEnd = 0;
  if (hostPort !== "") {
    try {
      [hostStart, hostEnd] = parsePortRange(hostPort);
    } catch {
      throw invalidArgument(`invalid hostPort: ${hostPort}`);
    }
    // A host range with a single container port is the range to pick a free host port from.
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw invalidArgument(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
    }
  }
  const proto = protoRaw.toLowerCase();
  if (!["tcp", "udp", "sctp"].includes(proto)) throw invalidArgument(`invalid proto: ${proto}`);
  const out: PortMapping[] = [];
  for (let i = 0; i <= end - start; i++) {
    let hp = hostPort === "" ? "" : String(hostStart + i);
    if (start === end && hostStart !== hostEnd) hp = `${hp}-${hostEnd}`;
    out.push({ port: `${start + i}/${proto}`, binding: { HostIp: ip, HostPort: hp } });
  }
  return out;
}

/** The CLI's long form `published=8080,target=80,protocol=udp` → "8080:80/udp"; short forms pass through. */
export function toStandardNotation(publish: string): string {
  if (!publish.includes("=")) return publish;
  const params: Record<string, string> = { protocol: "tcp" };
  for (const param of publish.split(",")) {
    const eq = param.indexOf("=");
    if (eq <= 0) throw invalidArgument(`invalid publish opts format (should be name=value but got '${param}')`);
    params[param.slice(0, eq)] = param.slice(eq + 1);
  }
  return `${params.published ?? ""}:${params.target ?? ""}/${params.protocol}`;
}

/** nat.ParsePortSpecs over every -p, then --expose merged into the exposed set (docker's opts.go). */
export function parsePortSpecs(publish: readonly string[], expose: readonly string[] = []): PortSpecs {
  const exposed: PortSpecs["exposed"] = {};
  const bindings: PortMap = {};
  for (const raw of publish) {
    for (const m of parsePortSpec(toStandardNotation(raw))) {
      exposed[m.port] = {};
      (bindings[m.port] ??= []).push(m.binding);
    }
  }
  for (const e of expose) {
    if (e.includes(":")) throw invalidArgument(`invalid port format for --expose: ${e}`);
    const [proto, port] = splitProtoPort(e);
    let range: [number, number];
    try {
      range = parsePortRange(port);
    } catch (err) {
      throw invalidArgument(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
    }
    for (let p = range[0]; p <= range[1]; p++) exposed[`${p}/${proto}`] = {};
  }
  return { exposed, bindings };
}
