/**
 * The output of the inspect commands, as docker's inspect package writes it: a JSON array
 * indented with 4 spaces ("[]" when nothing was found), or the --format template per object;
 * objects that were not found are reported as "Error: No such ...: x" and make the exit 1.
 */
import { EngineError } from "../errors/EngineError.js";
import { errorText, ReportedError } from "./errors.js";
import { renderObject } from "./formatter.js";
import type { CliContext } from "./io.js";

export async function inspectAll(ctx: CliContext, names: readonly string[], format: string | undefined, get: (name: string) => Promise<unknown>): Promise<number> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const n of names) {
    try {
      found.push(await get(n));
    } catch (e) {
      errors.push(e instanceof EngineError && e.kind === "NotFound" ? `Error: ${e.message}` : errorText(e));
    }
  }
  if (format && format !== "json") {
    for (const v of found) ctx.io.out(renderObject(format, v));
  } else {
    ctx.io.out(found.length === 0 ? "[]\n" : `${JSON.stringify(found, null, 4)}\n`);
  }
  if (errors.length) {
    ctx.io.err(errors.join("\n") + "\n");
    throw new ReportedError(1);
  }
  return 0;
}
