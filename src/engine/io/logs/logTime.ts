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

/**
 * A since/until bound split into seconds and nanoseconds, to compare record times without
 * bigint arithmetic per line; it remembers the last record second it computed (consecutive
 * records mostly share their `YYYY-MM-DDTHH:MM:SS`).
 */
export interface TimeBound { sec: number; ns: number; exact: bigint; lastPrefix: Buffer; lastSec: number }

export function timeBound(ns: bigint): TimeBound {
  let sec = ns / 1_000_000_000n;
  if (sec * 1_000_000_000n > ns) sec -= 1n; // floor for times before the epoch
  return { sec: Number(sec), ns: Number(ns - sec * 1_000_000_000n), exact: ns, lastPrefix: Buffer.alloc(19), lastSec: NaN };
}

/** Whether buf[start, start + 19) equals the bound's remembered prefix (seconds digits first: they change most). */
function samePrefix(b: TimeBound, buf: Buffer, start: number): boolean {
  const p = b.lastPrefix;
  for (let i = 18; i >= 0; i--) if (p[i] !== buf[start + i]) return false;
  return !Number.isNaN(b.lastSec);
}

/** The number in buf[at, at + n) if it is all ASCII digits, else -1. */
function digits(buf: Buffer, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = buf[i]! - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Compares a record's timestamp text buf[start, end) with a bound: < 0 before it, 0 equal, > 0
 * after. The shim's fixed form (`2026-01-02T03:04:05.000000123Z`) is read from the bytes
 * directly; anything else goes through parseRfc3339Ns, and an unparseable time counts as the
 * epoch, as it always did.
 */
export function compareRecordTime(buf: Buffer, start: number, end: number, bound: TimeBound): number {
  if (end - start === 30 && buf[start + 4] === 0x2d && buf[start + 7] === 0x2d && buf[start + 13] === 0x3a && buf[start + 16] === 0x3a && buf[start + 19] === 0x2e) {
    const zone = buf[start + 29];
    const frac = digits(buf, start + 20, 9);
    if (frac >= 0 && (zone === 0x5a || zone === 0x7a) && samePrefix(bound, buf, start)) return cmp(bound.lastSec, frac, bound);
    const sep = buf[start + 10];
    const y = digits(buf, start, 4), mo = digits(buf, start + 5, 2), d = digits(buf, start + 8, 2);
    const h = digits(buf, start + 11, 2), mi = digits(buf, start + 14, 2), s = digits(buf, start + 17, 2);
    if ((sep === 0x54 || sep === 0x74 || sep === 0x20) && (zone === 0x5a || zone === 0x7a) && (y | mo | d | h | mi | s | frac) >= 0) {
      const sec = Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
      if (!Number.isNaN(sec)) {
        buf.copy(bound.lastPrefix, 0, start, start + 19);
        bound.lastSec = sec;
        return cmp(sec, frac, bound);
      }
    }
  }
  const t = parseRfc3339Ns(buf.toString("latin1", start, end)) ?? 0n;
  return t < bound.exact ? -1 : t > bound.exact ? 1 : 0;
}

function cmp(sec: number, ns: number, bound: TimeBound): number {
  return sec !== bound.sec ? sec - bound.sec : ns - bound.ns;
}
