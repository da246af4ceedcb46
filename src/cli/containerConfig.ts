/**
 * `run` / `create` flags → the POST /containers/create body, as docker's cli/command/container
 * opts.go builds it (same flag names, same defaults, same field mapping).
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { ContainerCreateRequest, HostConfig, Mount, RestartPolicy, Ulimit } from "../api/types/container.js";
import { EngineError } from "../errors/EngineError.js";
import { networkingFor, parseNetworkFlag } from "./commands/network/endpointOptions.js";
import { applyHealthAndDeviceFlags, HEALTH_DEVICE_FLAGS } from "./containerHealthDevices.js";
import { parsePortSpecs } from "./commands/network/portSpecs.js";
import { flagError } from "./errors.js";
import { flagBool, flagInt, flagValue, flagValues, type FlagSpec, type Parsed } from "./flags.js";
import { parseBytes, parseCpus } from "./units.js";

export const CREATE_FLAGS: FlagSpec[] = [
  { long: "rm" },
  { long: "interactive", short: "i" },
  { long: "tty", short: "t" },
  { long: "name", value: true },
  { long: "env", short: "e", value: true, multi: true },
  { long: "env-file", value: true, multi: true },
  { long: "workdir", short: "w", value: true },
  { long: "user", short: "u", value: true },
  { long: "entrypoint", value: true },
  { long: "label", short: "l", value: true, multi: true },
  { long: "hostname", short: "h", value: true },
  { long: "domainname", value: true },
  { long: "read-only" },
  { long: "tmpfs", value: true, multi: true },
  { long: "volume", short: "v", value: true, multi: true },
  { long: "mount", value: true, multi: true },
  { long: "volumes-from", value: true, multi: true },
  { long: "cap-add", value: true, multi: true },
  { long: "cap-drop", value: true, multi: true },
  { long: "security-opt", value: true, multi: true },
  { long: "privileged" },
  { long: "memory", short: "m", value: true },
  { long: "memory-reservation", value: true },
  { long: "memory-swap", value: true },
  { long: "cpus", value: true },
  { long: "cpu-shares", short: "c", value: true },
  { long: "cpuset-cpus", value: true },
  { long: "pids-limit", value: true },
  { long: "ulimit", value: true, multi: true },
  { long: "shm-size", value: true },
  { long: "restart", value: true },
  { long: "stop-signal", value: true },
  { long: "stop-timeout", value: true },
  { long: "log-driver", value: true },
  { long: "log-opt", value: true, multi: true },
  { long: "network", value: true, multi: true },
  { long: "net", value: true, multi: true },
  { long: "network-alias", value: true, multi: true },
  { long: "net-alias", value: true, multi: true },
  { long: "ip", value: true },
  { long: "ip6", value: true },
  { long: "link-local-ip", value: true, multi: true },
  { long: "mac-address", value: true },
  { long: "publish", short: "p", value: true, multi: true },
  { long: "publish-all", short: "P" },
  { long: "expose", value: true, multi: true },
  { long: "init" },
  { long: "attach", short: "a", value: true, multi: true },
  { long: "platform", value: true },
  { long: "pull", value: true },
  { long: "quiet", short: "q" },
  { long: "add-host", value: true, multi: true },
  { long: "dns", value: true, multi: true },
  { long: "dns-search", value: true, multi: true },
  { long: "dns-option", value: true, multi: true },
  { long: "dns-opt", value: true, multi: true },
  { long: "group-add", value: true, multi: true },
  { long: "sysctl", value: true, multi: true },
  { long: "runtime", value: true },
  { long: "oom-score-adj", value: true },
  { long: "detach-keys", value: true },
  ...HEALTH_DEVICE_FLAGS,
];

/** `-e NAME` takes NAME's value from this environment; unset stays `NAME` (docker's ValidateEnv). */
function envEntry(e: string, env: NodeJS.ProcessEnv): string {
  if (e.includes("=")) return e;
  const v = env[e];
  return v === undefined ? e : `${e}=${v}`;
}

function envFile(path: string, env: NodeJS.ProcessEnv, command: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw flagError(`open ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (e as Error).message}`, command);
  }
  return text.split(/\r?\n/).map((l) => l.trimStart()).filter((l) => l !== "" && !l.startsWith("#")).map((l) => envEntry(l, env));
}

function keyValues(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const eq = l.indexOf("=");
    out[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? "" : l.slice(eq + 1);
  }
  return out;
}

function restartPolicy(v: string, command: string): RestartPolicy {
  const [name, count] = v.split(":");
  if (name === "no" || name === "always" || name === "unless-stopped") {
    if (count !== undefined) throw flagError(`invalid restart policy format: maximum retry count can only be used with 'on-failure'`, command);
    return { Name: name, MaximumRetryCount: 0 };
  }
  if (name === "on-failure") {
    if (count !== undefined && !/^\d+$/.test(count)) throw flagError(`invalid restart policy format: maximum retry count must be an integer`, command);
    return { Name: name, MaximumRetryCount: count === undefined ? 0 : Number(count) };
  }
  throw flagError(`invalid restart policy format: unknown policy '${name}'`, command);
}

function ulimit(v: string, command: string): Ulimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(v);
  if (!m) throw flagError(`invalid argument "${v}" for "--ulimit" flag: invalid ulimit argument: ${v}`, command);
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  if (soft > hard && hard !== -1) throw flagError(`invalid argument "${v}" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`, command);
  return { Name: m[1]!, Soft: soft, Hard: hard };
}

/** `--mount type=bind,source=/a,target=/b,readonly` (docker's opts.MountOpt, the common keys). */
function mountSpec(v: string, command: string): Mount {
  const m: Mount = {};
  for (const part of v.split(",")) {
    const eq = part.indexOf("=");
    const k = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? undefined : part.slice(eq + 1);
    switch (k) {
      case "type": m.Type = val as Mount["Type"]; break;
      case "source": case "src": m.Source = val ?? ""; break;
      case "target": case "destination": case "dst": m.Target = val ?? ""; break;
      case "readonly": case "ro": m.ReadOnly = val === undefined || val === "true" || val === "1"; break;
      case "bind-propagation": m.BindOptions = { ...(m.BindOptions ?? {}), Propagation: val ?? "" }; break;
      case "tmpfs-size": m.TmpfsOptions = { ...(m.TmpfsOptions ?? {}), SizeBytes: parseBytes(val ?? "", "--mount", command) }; break;
      case "tmpfs-mode": m.TmpfsOptions = { ...(m.TmpfsOptions ?? {}), Mode: Number.parseInt(val ?? "", 8) }; break;
      default: throw flagError(`invalid argument "${v}" for "--mount" flag: unexpected key '${k}' in '${part}'`, command);
    }
  }
  m.Type ??= "volume";
  if (!m.Target) throw flagError(`invalid argument "${v}" for "--mount" flag: target is required`, command);
  return m;
}

/** docker's --security-opt seccomp=<file>: the CLI sends the profile's JSON, not the path. */
function securityOpts(list: string[], command: string): string[] {
  return list.map((o) => {
    const m = /^seccomp[=:](.*)$/.exec(o);
    if (!m || m[1] === "unconfined" || m[1] === "builtin") return o;
    try {
      return `seccomp=${JSON.stringify(JSON.parse(readFileSync(m[1]!, "utf8")))}`;
    } catch (e) {
      throw flagError(`opening seccomp profile (${m[1]}) failed: ${(e as Error).message}`, command);
    }
  });
}

/** A parse failure of the network/port helpers as a flag error (exit 125), prefixed like pflag when it is one flag's value. */
function asFlagError<T>(command: string, fn: () => T, flag?: { name: string; value: string }): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    throw flagError(flag ? `invalid argument "${flag.value}" for "${flag.name}" flag: ${e.message}` : e.message, command);
  }
}

/** docker's opts.ValidateDNSSearch: "." or a domain name (at least one letter, labels of letters, digits and inner dashes). */
function validDnsSearch(v: string): boolean {
  const d = v.trim();
  if (d === ".") return true;
  const label = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  const m = new RegExp(`^(:?${label}(:?\\.${label})*)\\.?\\s*$`).exec(d);
  return /[a-zA-Z]/.test(d) && m !== null && m[1]!.length < 255;
}

/**
 * The network half of the create body: -p/-P/--expose (nat.ParsePortSpecs), --network (several:
 * one endpoint each) with --ip/--network-alias/--mac-address on the first, and the DNS flags.
 */
function applyNetworkFlags(p: Parsed, command: string, body: ContainerCreateRequest, hc: HostConfig): void {
  const networks = [...flagValues(p, "net"), ...flagValues(p, "network")];
  for (const n of networks) asFlagError(command, () => parseNetworkFlag(n), { name: "--network", value: n });
  const opt = (long: string) => flagValue(p, long);
  const net = asFlagError(command, () => networkingFor(networks, {
    aliases: [...flagValues(p, "network-alias"), ...flagValues(p, "net-alias")],
    linkLocalIPs: flagValues(p, "link-local-ip"),
    ...(opt("ip") ? { ipv4: opt("ip")! } : {}), ...(opt("ip6") ? { ipv6: opt("ip6")! } : {}), ...(opt("mac-address") ? { mac: opt("mac-address")! } : {}),
  }));
  hc.NetworkMode = net.mode;
  body.NetworkingConfig = { EndpointsConfig: net.endpoints };
  const ports = asFlagError(command, () => parsePortSpecs(flagValues(p, "publish"), flagValues(p, "expose")));
  if (Object.keys(ports.exposed).length) body.ExposedPorts = ports.exposed;
  hc.PortBindings = ports.bindings;
  if (flagBool(p, "publish-all")) hc.PublishAllPorts = true;
  for (const d of flagValues(p, "dns")) {
    if (isIP(d) === 0) throw flagError(`invalid argument "${d}" for "--dns" flag: IP address is not correctly formatted: ${d}`, command);
  }
  for (const d of flagValues(p, "dns-search")) {
    if (!validDnsSearch(d)) throw flagError(`invalid argument "${d}" for "--dns-search" flag: ${d} is not a valid domain`, command);
  }
  hc.Dns = flagValues(p, "dns");
  hc.DnsSearch = flagValues(p, "dns-search");
  hc.DnsOptions = [...flagValues(p, "dns-option"), ...flagValues(p, "dns-opt")];
}

export interface CreatePlan {
  image: string;
  name?: string;
  platform?: string;
  body: ContainerCreateRequest;
}

export interface TerminalFacts { stdinTty: boolean; size?: [number, number] }

/** Builds the create request; `detach` is run's -d (create behaves as detached for attaching). */
export function buildCreatePlan(p: Parsed, command: string, env: NodeJS.ProcessEnv, o: { detach: boolean; terminal: TerminalFacts }): CreatePlan {
  const [image, ...cmd] = p.args as [string, ...string[]];
  const interactive = flagBool(p, "interactive");
  const tty = flagBool(p, "tty");
  const attach = flagValues(p, "attach").map((s) => s.toLowerCase());
  for (const a of attach) if (!["stdin", "stdout", "stderr"].includes(a)) throw flagError(`invalid argument "${a}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`, command);
  if (o.detach && attach.length > 0) throw flagError("conflicting options: cannot specify both --attach and --detach", command);
  const attachStdin = !o.detach && (attach.length ? attach.includes("stdin") : interactive);
  const attachStdout = !o.detach && (attach.length ? attach.includes("stdout") : true);
  const attachStderr = !o.detach && (attach.length ? attach.includes("stderr") : true);

  const env2 = [...flagValues(p, "env-file").flatMap((f) => envFile(f, env, command)), ...flagValues(p, "env").map((e) => envEntry(e, env))];
  const body: ContainerCreateRequest = {
    Image: image,
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    Tty: tty,
    OpenStdin: interactive,
    StdinOnce: interactive && attachStdin,
    Env: env2,
    Cmd: cmd.length ? cmd : null,
    Labels: keyValues(flagValues(p, "label")),
  };
  const hostname = flagValue(p, "hostname");
  if (hostname !== undefined) body.Hostname = hostname;
  const domain = flagValue(p, "domainname");
  if (domain !== undefined) body.Domainname = domain;
  const workdir = flagValue(p, "workdir");
  if (workdir !== undefined) body.WorkingDir = workdir;
  const user = flagValue(p, "user");
  if (user !== undefined) body.User = user;
  const entrypoint = flagValue(p, "entrypoint");
  if (entrypoint !== undefined) body.Entrypoint = entrypoint === "" ? [""] : [entrypoint];
  const stopSignal = flagValue(p, "stop-signal");
  if (stopSignal !== undefined) body.StopSignal = stopSignal;
  const stopTimeout = flagInt(p, "stop-timeout", command);
  if (stopTimeout !== undefined) body.StopTimeout = stopTimeout;

  const anonymous: Record<string, Record<string, never>> = {};
  const binds: string[] = [];
  for (const v of flagValues(p, "volume")) {
    if (v.includes(":")) binds.push(v);
    else anonymous[v] = {};
  }
  if (Object.keys(anonymous).length) body.Volumes = anonymous;

  const hc: HostConfig = {
    Binds: binds.length ? binds : null,
    AutoRemove: flagBool(p, "rm"),
    Privileged: flagBool(p, "privileged"),
    ReadonlyRootfs: flagBool(p, "read-only"),
    CapAdd: flagValues(p, "cap-add"),
    CapDrop: flagValues(p, "cap-drop"),
    SecurityOpt: securityOpts(flagValues(p, "security-opt"), command),
    Mounts: flagValues(p, "mount").map((m) => mountSpec(m, command)),
    ExtraHosts: flagValues(p, "add-host"),
    GroupAdd: flagValues(p, "group-add"),
    Ulimits: flagValues(p, "ulimit").map((u) => ulimit(u, command)),
    RestartPolicy: restartPolicy(flagValue(p, "restart") ?? "no", command),
    LogConfig: { Type: flagValue(p, "log-driver") ?? "", Config: keyValues(flagValues(p, "log-opt")) },
  };
  if (hc.AutoRemove && hc.RestartPolicy!.Name !== "no") throw flagError("conflicting options: cannot specify both --restart and --rm", command);
  const tmpfs = flagValues(p, "tmpfs");
  if (tmpfs.length) {
    hc.Tmpfs = {};
    for (const t of tmpfs) {
      const colon = t.indexOf(":");
      hc.Tmpfs[colon < 0 ? t : t.slice(0, colon)] = colon < 0 ? "" : t.slice(colon + 1);
    }
  }
  const volumesFrom = flagValues(p, "volumes-from");
  if (volumesFrom.length) hc.VolumesFrom = volumesFrom;
  const sysctls = flagValues(p, "sysctl");
  if (sysctls.length) hc.Sysctls = keyValues(sysctls);
  if (flagBool(p, "init")) hc.Init = true;
  const runtime = flagValue(p, "runtime");
  if (runtime !== undefined) hc.Runtime = runtime;
  const oom = flagInt(p, "oom-score-adj", command);
  if (oom !== undefined) hc.OomScoreAdj = oom;
  const mem = flagValue(p, "memory");
  if (mem !== undefined) hc.Memory = parseBytes(mem, "--memory", command);
  const res = flagValue(p, "memory-reservation");
  if (res !== undefined) hc.MemoryReservation = parseBytes(res, "--memory-reservation", command);
  const swap = flagValue(p, "memory-swap");
  if (swap !== undefined) hc.MemorySwap = swap === "-1" ? -1 : parseBytes(swap, "--memory-swap", command);
  const cpus = flagValue(p, "cpus");
  if (cpus !== undefined) hc.NanoCpus = parseCpus(cpus, command);
  const shares = flagInt(p, "cpu-shares", command);
  if (shares !== undefined) hc.CpuShares = shares;
  const cpuset = flagValue(p, "cpuset-cpus");
  if (cpuset !== undefined) hc.CpusetCpus = cpuset;
  const pids = flagInt(p, "pids-limit", command);
  if (pids !== undefined) hc.PidsLimit = pids;
  const shm = flagValue(p, "shm-size");
  if (shm !== undefined) hc.ShmSize = parseBytes(shm, "--shm-size", command);
  if (tty && o.terminal.size) hc.ConsoleSize = o.terminal.size;
  applyNetworkFlags(p, command, body, hc);
  applyHealthAndDeviceFlags(p, command, body, hc);
  body.HostConfig = hc;

  const plan: CreatePlan = { image, body };
  const name = flagValue(p, "name");
  if (name !== undefined) plan.name = name;
  const platform = flagValue(p, "platform");
  if (platform !== undefined) plan.platform = platform;
  return plan;
}
