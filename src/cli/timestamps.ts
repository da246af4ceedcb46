/**
 * docker's GetTimestamp for --since/--until: a Go duration counts back from now ("10m"), an
 * RFC 3339 date becomes unix seconds, anything else (unix seconds) is sent as given.
 */
import { parseGoDuration } from "./units.js";

export function timestampParam(value: string, now = Date.now()): string {
  const d = parseGoDuration(value);
  if (d !== undefined) return ((now - d) / 1000).toFixed(9);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) || !value.includes("T") ? value : `${value}Z`);
    if (!Number.isNaN(t)) return (t / 1000).toFixed(9);
  }
  return value;
}
