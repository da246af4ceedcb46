import { EngineError } from "../errors/EngineError.js";
import { parseLine } from "../util/lineFormat.js";

export type ShimReply = { ok: true; fields: string[] } | { ok: false; error: EngineError };

/**
 * Parses a shim answer line: `ok[\t...]`, or `error\t<stage>\t<errno>\t<message>` turned into an
 * EngineError "<action>: <stage>: <message>" with the stage and errno as detail.
 */
export function parseShimReply(line: string, action: string): ShimReply {
  if (line === "") return { ok: false, error: new EngineError("Internal", `${action}: the shim exited without reporting`) };
  const f = parseLine(line);
  if (f[0] === "ok") return { ok: true, fields: f.slice(1) };
  if (f[0] === "error" && f.length >= 4) {
    const [, stage, errno, ...msg] = f;
    const kind = stage === "plan" ? "InvalidArgument" : "FailedPrecondition";
    return { ok: false, error: new EngineError(kind, `${action}: ${stage}: ${msg.join(" ")}`, { detail: { stage, errno: Number(errno) } }) };
  }
  return { ok: false, error: new EngineError("Internal", `${action}: unexpected shim answer ${JSON.stringify(line.slice(0, 200))}`) };
}
