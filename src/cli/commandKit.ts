/** Small pieces most commands share: argument counts, per-argument loops, quiet/format flags. */
import { argsError, errorText, ReportedError } from "./errors.js";
import type { Parsed } from "./flags.js";
import type { CliContext } from "./io.js";

export function requireArgs(p: Parsed, command: string, usage: string, rule: { min?: number; max?: number; exact?: number }): void {
  const n = p.args.length;
  if (rule.exact !== undefined && n !== rule.exact) {
    throw argsError(command, usage, `requires exactly ${rule.exact} argument${rule.exact === 1 ? "" : "s"}`);
  }
  if (rule.min !== undefined && n < rule.min) throw argsError(command, usage, `requires at least ${rule.min} argument${rule.min === 1 ? "" : "s"}`);
  if (rule.max !== undefined && n > rule.max) {
    throw argsError(command, usage, rule.max === 0 ? "accepts no arguments" : `requires at most ${rule.max} argument${rule.max === 1 ? "" : "s"}`);
  }
}

/**
 * Runs `fn` for each argument like docker's stop/rm/kill: prints what `fn` returns on success
 * (usually the argument), each failure on stderr, and fails with exit 1 if any failed.
 */
export async function forEachArg(ctx: CliContext, args: readonly string[], fn: (arg: string) => Promise<string | void>): Promise<number> {
  let failed = false;
  for (const a of args) {
    try {
      const line = await fn(a);
      if (line !== undefined) ctx.io.out(`${line}\n`);
    } catch (e) {
      failed = true;
      ctx.io.err(`${errorText(e)}\n`);
    }
  }
  if (failed) throw new ReportedError(1);
  return 0;
}

/** `--filter k=v` flags as the client's filter object. */
export function filterObject(values: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    const k = eq < 0 ? v : v.slice(0, eq);
    (out[k] ??= []).push(eq < 0 ? "" : v.slice(eq + 1));
  }
  return out;
}

/** Writes a readable (a tar, raw logs) to a writable and waits for the end. */
export async function copyStream(src: AsyncIterable<Buffer | Uint8Array>, dest: NodeJS.WritableStream): Promise<void> {
  for await (const chunk of src) {
    if (!dest.write(chunk)) await new Promise((r) => dest.once("drain", r));
  }
}
