import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseLine } from "../util/lineFormat.js";

/** The shim's `exit` file: `exited\t<code>\t<ns>` or `signaled\t<signal>\t<ns>`. */
export type ExitRecord = { kind: "exited"; code: number; at: bigint } | { kind: "signaled"; signal: number; at: bigint };

export function parseExitRecord(text: string): ExitRecord | null {
  const f = parseLine(text.trim());
  if (f.length < 3 || !/^\d+$/.test(f[1]) || !/^\d+$/.test(f[2])) return null;
  if (f[0] === "exited") return { kind: "exited", code: Number(f[1]), at: BigInt(f[2]) };
  if (f[0] === "signaled") return { kind: "signaled", signal: Number(f[1]), at: BigInt(f[2]) };
  return null;
}

export async function readExitRecord(dir: string): Promise<ExitRecord | null> {
  try {
    // Synchronous: a tiny file (or ENOENT), read on every status check and wake-up.
    return parseExitRecord(readFileSync(join(dir, "exit"), "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Shell convention: the exit code, or 128 + signal number. */
export function exitStatusCode(r: ExitRecord): number {
  return r.kind === "exited" ? r.code : 128 + r.signal;
}
