/**
 * Turning daemon error answers back into EngineErrors: the status gives the kind (the reverse of
 * the server's table), the `{"message": ...}` body gives the text, unchanged, so the CLI can
 * print Docker's words ("Error response from daemon: No such container: x").
 */
import type { HttpResponse } from "./http1.js";
import { EngineError } from "../errors/EngineError.js";
import { kindForStatus } from "../api/http-status.js";

const MAX_ERROR_BODY = 64 * 1024;

export function errorFromBody(status: number, body: string): EngineError {
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (parsed && typeof parsed.message === "string") message = parsed.message;
  } catch {
    // not JSON: a proxy or an old daemon; keep the text
  }
  if (message === "") message = `request failed with status ${status}`;
  return new EngineError(kindForStatus(status), message, { detail: { status } });
}

export async function errorFromResponse(res: HttpResponse): Promise<EngineError> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    if (size < MAX_ERROR_BODY) chunks.push(c);
    size += c.length;
  }
  return errorFromBody(res.statusCode ?? 500, Buffer.concat(chunks).toString("utf8").slice(0, MAX_ERROR_BODY));
}

/** The HTTP status an EngineError from the client came with, if any. */
export function statusOf(e: unknown): number | undefined {
  if (!(e instanceof EngineError)) return undefined;
  const s = e.detail.status;
  return typeof s === "number" ? s : undefined;
}
