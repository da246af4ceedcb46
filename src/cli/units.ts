import { flagError } from "./errors.js";

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** docker's RAMInBytes: "512m", "1g", "1024", "1.5g", with optional trailing "b"/"ib". */
export function parseBytes(text: string, flag: string, command = "run"): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtpb]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) throw flagError(`invalid argument "${text}" for "${flag}" flag: invalid size: '${text}'`, command);
  return Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

/** docker's --cpus: a positive decimal number of CPUs, sent as NanoCpus. */
export function parseCpus(text: string, command = "run"): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) throw flagError(`invalid argument "${text}" for "--cpus" flag: failed to parse ${text} as a rational number`, command);
  return Math.round(n * 1e9);
}

/** Go durations as the CLI takes them for --since/--until/--time ("10m", "1h30m", "2s"). */
export function parseGoDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * mult[m[2]!]!;
    consumed += m[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}
