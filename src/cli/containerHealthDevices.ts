/**
 * The health-check and device flags of `run` / `create`, as docker's cli/command/container
 * opts.go parses them: --health-* into Config.Healthcheck (nanoseconds), --no-healthcheck as
 * Test ["NONE"], --device into HostConfig.Devices, --device-cgroup-rule into DeviceCgroupRules.
 */
import type { ContainerCreateRequest, DeviceMapping, HealthConfig, HostConfig } from "../api/types/container.js";
import { StatusError, flagError } from "./errors.js";
import { flagBool, flagInt, flagValue, flagValues, type FlagSpec, type Parsed } from "./flags.js";

export const HEALTH_DEVICE_FLAGS: FlagSpec[] = [
  { long: "health-cmd", value: true },
  { long: "health-interval", value: true },
  { long: "health-timeout", value: true },
  { long: "health-start-period", value: true },
  { long: "health-start-interval", value: true },
  { long: "health-retries", value: true },
  { long: "no-healthcheck" },
  { long: "device", value: true, multi: true },
  { long: "device-cgroup-rule", value: true, multi: true },
];

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration in nanoseconds (sign, "0", fractions, several units), pflag's error text. */
export function goDurationNs(text: string, flag: string, command: string): number {
  const bad = () => flagError(`invalid argument "${text}" for "--${flag}" flag: time: invalid duration "${text}"`, command);
  const m = /^([-+]?)(.*)$/s.exec(text)!;
  const body = m[2]!;
  if (body === "0") return 0;
  if (body === "") throw bad();
  let total = 0;
  let rest = body;
  while (rest !== "") {
    const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!part) throw bad();
    total += Number(part[1]) * UNIT_NS[part[2]!]!;
    rest = rest.slice(part[0].length);
  }
  return Math.round(m[1] === "-" ? -total : total);
}

/** Config.Healthcheck from the flags; undefined when none was given (the image's stays). */
export function healthcheckFromFlags(p: Parsed, command: string): HealthConfig | undefined {
  const cmd = flagValue(p, "health-cmd") ?? "";
  const dur = (flag: string) => {
    const v = flagValue(p, flag);
    return v === undefined ? 0 : goDurationNs(v, flag, command);
  };
  const interval = dur("health-interval");
  const timeout = dur("health-timeout");
  const startPeriod = dur("health-start-period");
  const startInterval = dur("health-start-interval");
  const retries = flagInt(p, "health-retries", command) ?? 0;
  const have = cmd !== "" || interval !== 0 || timeout !== 0 || startPeriod !== 0 || retries !== 0 || startInterval !== 0;
  // docker reports these as plain errors of the command (exit 125 from run/create).
  const fail = (msg: string) => new StatusError(`${msg}\nSee 'berth ${command} --help'.`, 125);
  if (flagBool(p, "no-healthcheck")) {
    if (have) throw fail("--no-healthcheck conflicts with --health-* options");
    return { Test: ["NONE"] };
  }
  if (!have) return undefined;
  if (interval < 0) throw fail("--health-interval cannot be negative");
  if (timeout < 0) throw fail("--health-timeout cannot be negative");
  if (retries < 0) throw fail("--health-retries cannot be negative");
  if (startPeriod < 0) throw fail("--health-start-period cannot be negative");
  if (startInterval < 0) throw fail("--health-start-interval cannot be negative");
  const hc: HealthConfig = { Interval: interval, Timeout: timeout, StartPeriod: startPeriod, StartInterval: startInterval, Retries: retries };
  if (cmd !== "") hc.Test = ["CMD-SHELL", cmd];
  return hc;
}

/** opts.go validDeviceMode: r, w and m, each at most once, at least one. */
function validDeviceMode(mode: string): boolean {
  return /^[rwm]{1,3}$/.test(mode) && new Set(mode).size === mode.length;
}

const clean = (p: string) => {
  const abs = p.startsWith("/");
  const parts: string[] = [];
  for (const s of p.split("/")) {
    if (s === "" || s === ".") continue;
    if (s === "..") {
      if (parts.length && parts.at(-1) !== "..") parts.pop();
      else if (!abs) parts.push(s);
    } else parts.push(s);
  }
  return (abs ? "/" : "") + parts.join("/") || (abs ? "/" : ".");
};

/** opts.go validateLinuxPath then parseLinuxDevice: `host[:container][:mode]`. */
export function parseDeviceFlag(value: string, command: string): DeviceMapping {
  const bad = (msg: string) => flagError(`invalid argument "${value}" for "--device" flag: ${msg}`, command);
  const split = value.split(":");
  if (split.length > 3 || split[0] === "") throw bad(`bad format for path: ${value}`);
  let containerPath = split[0]!;
  let val = clean(containerPath);
  if (split.length === 2) {
    if (validDeviceMode(split[1]!)) val = `${clean(split[0]!)}:${split[1]}`;
    else {
      containerPath = split[1]!;
      val = `${split[0]}:${clean(containerPath)}`;
    }
  } else if (split.length === 3) {
    containerPath = split[1]!;
    if (!validDeviceMode(split[2]!)) throw bad(`bad mode specified: ${split[2]}`);
    val = value;
  }
  if (!containerPath.startsWith("/")) throw bad(`${containerPath} is not an absolute path`);
  const arr = val.split(":");
  let permissions = "rwm";
  let dst = "";
  if (arr.length === 3) permissions = arr[2]!;
  if (arr.length >= 2) {
    if (validDeviceMode(arr[1]!)) permissions = arr[1]!;
    else dst = arr[1]!;
  }
  const src = arr[0]!;
  return { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: permissions };
}

/** Sets Config.Healthcheck, HostConfig.Devices and DeviceCgroupRules from the flags. */
export function applyHealthAndDeviceFlags(p: Parsed, command: string, body: ContainerCreateRequest, hc: HostConfig): void {
  const health = healthcheckFromFlags(p, command);
  if (health) body.Healthcheck = health;
  hc.Devices = flagValues(p, "device").map((d) => parseDeviceFlag(d, command));
  const rules = flagValues(p, "device-cgroup-rule");
  for (const r of rules) {
    if (!/^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.test(r)) throw flagError(`invalid argument "${r}" for "--device-cgroup-rule" flag: invalid device cgroup format '${r}'`, command);
  }
  hc.DeviceCgroupRules = rules;
}
