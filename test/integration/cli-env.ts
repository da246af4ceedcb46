/**
 * Running the berth CLI (dist/src/bin/berth.js) and the real docker CLI side by side against
 * one daemon (Debian's dockerd or berthd), each with a private HOME and client config, so the
 * same scenario can compare berth's output and exit codes with docker's.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const BERTH_BIN = resolve("dist/src/bin/berth.js");
export const DOCKER_BIN = process.env.BERTH_TEST_DOCKER_CLI ?? "/usr/local/bin/docker";

export interface CliRun { code: number | null; stdout: string; stderr: string; out: Buffer }
export interface RunOpts { stdin?: string | Buffer; timeoutMs?: number; env?: Record<string, string> }

/** "script-pty" runs util-linux's script(1) with `args`, so the command inside gets a terminal. */
export function runCli(which: "berth" | "docker" | "script-pty", sock: string, home: string, args: string[], opts: RunOpts = {}): Promise<CliRun> {
  const [cmd, argv] = which === "berth" ? [process.execPath, [BERTH_BIN, ...args]] : which === "docker" ? [DOCKER_BIN, args] : ["/usr/bin/script", args];
  return new Promise((resolvePromise, reject) => {
    const p = spawn(cmd, argv, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(home, ".docker"), ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => out.push(d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(timer);
      const buf = Buffer.concat(out);
      resolvePromise({ code, stdout: buf.toString("utf8"), stderr, out: buf });
    });
    p.stdin.on("error", () => {});
    p.stdin.end(opts.stdin);
  });
}

/** One daemon both CLIs talk to. */
export interface CliTarget {
  sock: string;
  home: string;
  /** Flags every `run`/`create` needs on this daemon (no bridge network in tests). */
  runFlags: string[];
  berth(args: string[], opts?: RunOpts): Promise<CliRun>;
  docker(args: string[], opts?: RunOpts): Promise<CliRun>;
}

export function cliTarget(sock: string, home: string, runFlags: string[]): CliTarget {
  return {
    sock, home, runFlags,
    berth: (args, opts) => runCli("berth", sock, home, args, opts),
    docker: (args, opts) => runCli("docker", sock, home, args, opts),
  };
}

export function cliSkipReason(): string | undefined {
  if (!existsSync(BERTH_BIN)) return `${BERTH_BIN} not built (npx tsc -p .)`;
  if (!existsSync(DOCKER_BIN)) return `docker CLI not found at ${DOCKER_BIN}`;
  return undefined;
}
