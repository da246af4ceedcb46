import type { LogConfig } from "../../api/types/container.js";
import { EngineError, invalidArgument } from "../../errors/EngineError.js";

export interface LogLimits { maxSize: number; maxFiles: number }

/** Bounded by default, unlike Docker's json-file (unbounded unless told): 10 MB × 3 files. */
export const DEFAULT_LOG_LIMITS: LogLimits = { maxSize: 10 * 1024 * 1024, maxFiles: 3 };
const DRIVERS = ["", "json-file", "local"];

/** "10m", "512k", "1g", "2048" → bytes (docker's units.RAMInBytes for max-size). */
export function parseSize(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(s.trim());
  if (!m) throw invalidArgument(`invalid ${what}: ${JSON.stringify(s)}`);
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as "" | "k" | "m" | "g" | "t"];
  return Math.floor(Number(m[1]) * mult);
}

/**
 * --log-driver/--log-opt → the shim's log limits. berth always keeps one bounded log file per
 * container (read back by `docker logs`); json-file and local are accepted as that file.
 */
export function logLimits(cfg: LogConfig | undefined): LogLimits {
  const type = cfg?.Type ?? "";
  if (!DRIVERS.includes(type)) throw new EngineError("NotImplemented", `logging driver ${JSON.stringify(type)} is not supported by berth (it keeps a bounded log file: use json-file with max-size/max-file)`);
  const out = { ...DEFAULT_LOG_LIMITS };
  for (const [k, v] of Object.entries(cfg?.Config ?? {})) {
    if (k === "max-size") {
      const n = v === "-1" ? 0 : parseSize(v, "max-size");
      if (n < 0) throw invalidArgument(`invalid max-size: ${v}`);
      // "-1" (unlimited) is not offered: berth's logs are always bounded. Keep the default.
      if (n > 0) out.maxSize = n;
    } else if (k === "max-file") {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw invalidArgument(`invalid value for max-file: ${v}`);
      out.maxFiles = n;
    } else if (k === "compress" || k === "mode" || k === "max-buffer-size" || k === "labels" || k === "env" || k === "tag") {
      continue;
    } else {
      throw invalidArgument(`unknown log opt '${k}' for ${type || "json-file"} log driver`);
    }
  }
  return out;
}
