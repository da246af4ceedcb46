import { invalidArgument } from "../../errors/EngineError.js";
import type { Resources } from "../../oci/runtime.js";
import { runContainer, type RunRequest } from "../../engine/runContainer.js";
import { flagBool, flagValue, flagValues, parseFlags, type FlagSpec } from "../flags.js";
import type { CliCommand } from "../io.js";
import { parseBytes, parseCpus } from "../units.js";
import { forwardSignals } from "../signals.js";

const FLAGS: FlagSpec[] = [
  { long: "rm" },
  { long: "interactive", short: "i" },
  { long: "tty", short: "t" },
  { long: "detach", short: "d" },
  { long: "env", short: "e", value: true, multi: true },
  { long: "workdir", short: "w", value: true },
  { long: "user", short: "u", value: true },
  { long: "entrypoint", value: true },
  { long: "hostname", short: "h", value: true },
  { long: "read-only" },
  { long: "network", value: true },
  { long: "net", value: true },
  { long: "cap-add", value: true, multi: true },
  { long: "cap-drop", value: true, multi: true },
  { long: "security-opt", value: true, multi: true },
  { long: "memory", short: "m", value: true },
  { long: "memory-reservation", value: true },
  { long: "memory-swap", value: true },
  { long: "cpus", value: true },
  { long: "cpu-shares", short: "c", value: true },
  { long: "cpuset-cpus", value: true },
  { long: "pids-limit", value: true },
  { long: "label", short: "l", value: true, multi: true },
];

/**
 * `berth run [OPTIONS] IMAGE [COMMAND] [ARG...]`: runs a container in the foreground with its
 * output on this terminal, and removes it when it exits (in-process engine until berthd keeps
 * containers; so --rm is implied and -d is refused).
 */
export const runCommand: CliCommand = {
  summary: "Create and run a new container from an image",
  async run(argv, ctx) {
    const p = parseFlags(argv, FLAGS, "run");
    if (p.args.length === 0) throw invalidArgument('"berth run" requires at least 1 argument.\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]');
    if (flagBool(p, "detach")) throw invalidArgument("run: --detach needs the berthd daemon, which this version does not have yet");
    if (flagBool(p, "tty")) throw invalidArgument("run: --tty needs the berthd daemon's attach, which this version does not have yet");
    const [image, ...cmd] = p.args as [string, ...string[]];
    const network = flagValue(p, "network") ?? flagValue(p, "net") ?? "none";
    if (network !== "none" && network !== "host") throw invalidArgument(`run: --network ${network}: only "none" and "host" exist until berth has networks`);
    const req: RunRequest = {
      image,
      cmd,
      env: flagValues(p, "env").map((e) => (e.includes("=") ? e : process.env[e] === undefined ? e : `${e}=${process.env[e]}`)),
      network,
      capAdd: flagValues(p, "cap-add"),
      capDrop: flagValues(p, "cap-drop"),
      readOnly: flagBool(p, "read-only"),
      labels: labels(flagValues(p, "label")),
      resources: resources(p),
    };
    const workdir = flagValue(p, "workdir");
    if (workdir !== undefined) req.workdir = workdir;
    const user = flagValue(p, "user");
    if (user !== undefined) req.user = user;
    const hostname = flagValue(p, "hostname");
    if (hostname !== undefined) req.hostname = hostname;
    const entrypoint = flagValue(p, "entrypoint");
    if (entrypoint !== undefined) req.entrypoint = entrypoint === "" ? [] : [entrypoint];
    for (const opt of flagValues(p, "security-opt")) {
      if (opt === "no-new-privileges" || opt === "no-new-privileges=true" || opt === "no-new-privileges:true") req.noNewPrivileges = true;
      else if (opt === "seccomp=unconfined" || opt === "seccomp:unconfined") req.seccomp = "unconfined";
      else throw invalidArgument(`run: --security-opt ${opt}: not supported`);
    }
    const engine = await ctx.engine();
    const stop = forwardSignals();
    req.onStarted = (_id, pid) => stop.target(pid);
    try {
      const outcome = await runContainer(engine, req);
      for (const w of outcome.warnings) ctx.io.err(`WARNING: ${w}\n`);
      return outcome.exitCode;
    } finally {
      stop.release();
    }
  },
};

function labels(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list) {
    const eq = l.indexOf("=");
    out[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? "" : l.slice(eq + 1);
  }
  return out;
}

function resources(p: ReturnType<typeof parseFlags>): Resources | undefined {
  const r: Resources = {};
  const mem = flagValue(p, "memory");
  const reservation = flagValue(p, "memory-reservation");
  const swap = flagValue(p, "memory-swap");
  if (mem !== undefined || reservation !== undefined || swap !== undefined) {
    r.memory = {};
    if (mem !== undefined) r.memory.limit = parseBytes(mem, "--memory");
    if (reservation !== undefined) r.memory.reservation = parseBytes(reservation, "--memory-reservation");
    if (swap !== undefined) r.memory.swap = swap === "-1" ? -1 : parseBytes(swap, "--memory-swap");
  }
  const cpus = flagValue(p, "cpus");
  const shares = flagValue(p, "cpu-shares");
  const cpuset = flagValue(p, "cpuset-cpus");
  if (cpus !== undefined || shares !== undefined || cpuset !== undefined) {
    r.cpu = {};
    if (cpus !== undefined) {
      const period = 100_000;
      r.cpu.period = period;
      r.cpu.quota = Math.round(parseCpus(cpus) * period);
    }
    if (shares !== undefined) r.cpu.shares = intFlag(shares, "--cpu-shares");
    if (cpuset !== undefined) r.cpu.cpus = cpuset;
  }
  const pids = flagValue(p, "pids-limit");
  if (pids !== undefined) r.pids = { limit: intFlag(pids, "--pids-limit") };
  return Object.keys(r).length > 0 ? r : undefined;
}

function intFlag(v: string, name: string): number {
  if (!/^-?\d+$/.test(v)) throw invalidArgument(`invalid argument "${v}" for "${name}" flag: not an integer`);
  return Number(v);
}
