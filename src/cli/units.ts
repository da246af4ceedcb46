import { invalidArgument } from "../errors/EngineError.js";

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** docker's RAMInBytes: "512m", "1g", "1024", "1.5g", with optional trailing "b"/"ib". */
export function parseBytes(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtpb]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) throw invalidArgument(`invalid argument "${text}" for "${flag}" flag: invalid size: '${text}'`);
  return Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

/** docker's --cpus: a positive decimal number of CPUs. */
export function parseCpus(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) throw invalidArgument(`invalid argument "${text}" for "--cpus" flag: must be a positive number`);
  return n;
}
