import { invalidArgument } from "../errors/EngineError.js";
import type { ContainerDefaults } from "../oci/image.js";

/** What the user asked for on top of the image's defaults (docker run's positional args and flags). */
export interface CommandOverrides {
  /** Positional arguments after the image; empty or absent = the image's Cmd. */
  cmd?: string[];
  /** --entrypoint: replaces the image's Entrypoint and also drops its Cmd (Docker's rule). `[]` clears it. */
  entrypoint?: string[];
  env?: string[];
  workdir?: string;
}

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The process argv: Entrypoint + Cmd with Docker's override rules. */
export function containerArgs(image: ContainerDefaults | undefined, o: CommandOverrides): string[] {
  let entrypoint: string[];
  let cmd: string[];
  if (o.entrypoint !== undefined) {
    entrypoint = o.entrypoint;
    cmd = o.cmd ?? [];
  } else {
    entrypoint = image?.Entrypoint ?? [];
    cmd = o.cmd && o.cmd.length > 0 ? o.cmd : image?.Cmd ?? [];
  }
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw invalidArgument("No command specified");
  return args;
}

/**
 * The environment: the image's, then the user's (later keys win, order of first appearance
 * kept), PATH defaulted, HOSTNAME and HOME set unless given (as Docker does).
 */
export function containerEnv(image: ContainerDefaults | undefined, userEnv: readonly string[] = [], extra: { hostname: string; home?: string }): string[] {
  const order: string[] = [];
  const values = new Map<string, string>();
  const put = (entry: string, origin: string) => {
    const eq = entry.indexOf("=");
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (key === "") throw invalidArgument(`invalid environment variable ${JSON.stringify(entry)} in ${origin}: empty name`);
    if (eq < 0) return; // "KEY" alone: Docker takes it from the client's env; the client resolves it before here
    if (!values.has(key)) order.push(key);
    values.set(key, entry);
  };
  if (!(image?.Env ?? []).some((e) => e.startsWith("PATH="))) put(DEFAULT_PATH, "defaults");
  for (const e of image?.Env ?? []) put(e, "the image config");
  for (const e of userEnv) put(e, "--env");
  if (!values.has("HOSTNAME")) put(`HOSTNAME=${extra.hostname}`, "defaults");
  if (!values.has("HOME")) put(`HOME=${extra.home && extra.home !== "" ? extra.home : "/"}`, "defaults");
  return order.map((k) => values.get(k)!);
}

export function containerWorkdir(image: ContainerDefaults | undefined, workdir: string | undefined): string {
  const w = workdir !== undefined && workdir !== "" ? workdir : image?.WorkingDir || "/";
  if (!w.startsWith("/")) throw invalidArgument(`the working directory '${w}' is invalid, it needs to be an absolute path`);
  return w;
}
