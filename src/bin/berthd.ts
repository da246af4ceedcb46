#!/usr/bin/env node
/** berthd: the Docker Engine API daemon (entry point: flags, logging, signals). */
import { BERTH_VERSION, startDaemon } from "../daemon/berthd.js";
import { parseDaemonArgs, USAGE, type LogLevel } from "../daemon/options.js";
import { isEngineError } from "../errors/EngineError.js";

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, fatal: 4 };

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseDaemonArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (opts.version) {
    process.stdout.write(`berthd version ${BERTH_VERSION}\n`);
    return 0;
  }
  const min = RANK[opts.logLevel];
  // dockerd's (logrus) text format, on stderr.
  const log = (level: LogLevel, msg: string) => {
    if (RANK[level] >= min) process.stderr.write(`time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(msg)}\n`);
  };
  let daemon;
  try {
    daemon = await startDaemon(opts, log);
  } catch (e) {
    log("fatal", isEngineError(e) ? e.fullMessage() : (e as Error).message);
    return 1;
  }
  log("info", `API listen on ${opts.socketPath}`);
  return new Promise<number>((resolve) => {
    const stop = (sig: string) => {
      log("info", `Processing signal '${sig}': stopping (containers keep running)`);
      daemon.close().then(() => resolve(0), (e) => {
        log("error", `shutdown: ${(e as Error).message}`);
        resolve(1);
      });
    };
    process.once("SIGTERM", () => stop("terminated"));
    process.once("SIGINT", () => stop("interrupt"));
  });
}

main().then((code) => process.exit(code));
