/**
 * Reading request bodies: JSON bodies are size-limited (413 past the limit, like any sane server;
 * moby has no limit but a daemon must not buffer unbounded input) and must parse (400 naming the
 * problem). Streaming bodies (tar uploads) are not read here: handlers pass the request through.
 */
import type { IncomingMessage } from "node:http";
import { EngineError, invalidArgument } from "../errors/EngineError.js";

export const DEFAULT_JSON_BODY_LIMIT = 10 * 1024 * 1024;

/** Thrown past the body limit; the server maps it to 413. */
export class PayloadTooLargeError extends EngineError {
  constructor(limit: number) {
    super("InvalidArgument", `read request body: body exceeds the limit of ${limit} bytes`);
  }
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLargeError(limit);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** moby's CheckForJSON: a body, if any, must be declared as JSON (or not declared at all). */
function checkJsonContentType(ct: string | undefined): void {
  if (ct === undefined || ct === "") return;
  const mediaType = ct.split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/json" && !mediaType.endsWith("+json")) {
    throw invalidArgument(`unsupported Content-Type header (${ct}): must be 'application/json'`);
  }
}

/**
 * The parsed JSON body, or `undefined` for an empty body (callers decide whether that is allowed).
 */
export async function readJsonBody(req: IncomingMessage, limit = DEFAULT_JSON_BODY_LIMIT): Promise<unknown> {
  return parseJsonBody(await readBody(req, limit), req.headers["content-type"], limit);
}

/** Same, for a body already in memory (upgrade requests). */
export function parseJsonBody(buf: Buffer, contentType: string | undefined, limit = DEFAULT_JSON_BODY_LIMIT): unknown {
  if (buf.length > limit) throw new PayloadTooLargeError(limit);
  if (buf.length === 0 || buf.toString("utf8").trim() === "") return undefined;
  checkJsonContentType(contentType);
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch (e) {
    throw invalidArgument(`invalid JSON body: ${(e as Error).message}`);
  }
}
