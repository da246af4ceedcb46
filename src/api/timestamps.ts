/**
 * Timestamps in query parameters (`since`/`until` of logs and events). The docker CLI turns
 * "10m" or RFC 3339 into Unix time before sending, so the wire form is seconds with an optional
 * fraction: "1700000000" or "1700000000.000000001" (moby api/types/time.ParseTimestamps).
 */
import { invalidArgument } from "../errors/EngineError.js";

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export function parseTimestamp(name: string, raw: string | undefined): Timestamp | undefined {
  if (raw === undefined || raw === "") return undefined;
  const m = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(raw.trim());
  if (!m) throw invalidArgument(`invalid value for ${name}: ${JSON.stringify(raw)}: must be Unix seconds, optionally with a fraction`);
  const seconds = Number.parseInt(m[1]!, 10);
  const nanos = m[2] ? Number.parseInt(m[2].padEnd(9, "0"), 10) : 0;
  if (!Number.isSafeInteger(seconds)) throw invalidArgument(`invalid value for ${name}: ${JSON.stringify(raw)}: out of range`);
  return { seconds, nanos };
}

/** Milliseconds since the epoch (for comparing with Date values). */
export function timestampMillis(t: Timestamp): number {
  return t.seconds * 1000 + Math.floor(t.nanos / 1e6);
}

/** `tail`: "all" (or anything not a non-negative integer, as moby treats it) or a line count. */
export function parseTail(raw: string | undefined): number | "all" {
  if (raw === undefined || raw === "" || raw === "all") return "all";
  if (!/^\d+$/.test(raw.trim())) return "all";
  return Number.parseInt(raw.trim(), 10);
}
