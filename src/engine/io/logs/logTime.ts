import { invalidArgument } from "../../../errors/EngineError.js";

/**
 * Times of log records as nanoseconds since the epoch (bigint: a double cannot hold them), and
 * the two forms Docker accepts for `since`/`until`: unix seconds with an optional fraction
 * ("1700000000.123456789", what the docker CLI sends) and RFC 3339 ("2026-01-02T03:04:05Z").
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 time (any fraction length, any offset) to ns; null if it is not one. */
export function parseRfc3339Ns(text: string): bigint | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = "", zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return null;
  if (zone !== "Z" && zone !== "z") {
    const sign = zone![0] === "-" ? -1 : 1;
    ms -= sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6))) * 60_000;
  }
  return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, "0"));
}

/**
 * Docker's `since`/`until` query value (moby timetypes.ParseTimestamps): "seconds[.fraction]"
 * or RFC 3339. Empty or "0" means no bound (undefined).
 */
export function parseLogTimeBound(value: string | undefined, what: "since" | "until"): bigint | undefined {
  if (value === undefined || value === "" || value === "0") return undefined;
  const num = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (num) {
    const secs = BigInt(num[1]!);
    const frac = BigInt((num[2] ?? "").padEnd(9, "0"));
    return secs * 1_000_000_000n + (secs < 0n ? -frac : frac);
  }
  const t = parseRfc3339Ns(value);
  if (t === null) throw invalidArgument(`logs: invalid value for "${what}": ${JSON.stringify(value)} (unix seconds or RFC 3339)`);
  return t;
}
