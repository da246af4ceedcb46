import type { ErrorKind } from "../errors/EngineError.js";
import { EngineError } from "../errors/EngineError.js";

/**
 * The one table from error kinds to HTTP statuses (moby api/server/httpstatus). AlreadyExists is
 * a 409 like Conflict, as moby does for containerd's AlreadyExists; FailedPrecondition is 412,
 * also as moby translates containerd's kind.
 */
export const STATUS_FOR_KIND: Readonly<Record<ErrorKind, number>> = {
  InvalidArgument: 400,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  AlreadyExists: 409,
  FailedPrecondition: 412,
  Internal: 500,
  NotImplemented: 501,
  Unavailable: 503,
};

/** The reverse direction, used by the client: statuses back to kinds (409 reads as Conflict). */
export function kindForStatus(status: number): ErrorKind {
  switch (status) {
    case 400: return "InvalidArgument";
    case 401:
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 409: return "Conflict";
    case 412: return "FailedPrecondition";
    case 413: return "InvalidArgument";
    case 501: return "NotImplemented";
    case 503: return "Unavailable";
    default: return "Internal";
  }
}

export interface HttpError { status: number; message: string }

/** Status and Docker-style message for anything a handler threw. Unknown throws are 500s. */
export function httpErrorFrom(e: unknown): HttpError {
  if (e instanceof EngineError) return { status: STATUS_FOR_KIND[e.kind], message: e.fullMessage() };
  if (e instanceof Error) return { status: 500, message: e.message };
  return { status: 500, message: String(e) };
}

/** Docker's error body: `{"message": "..."}`. */
export function errorBody(message: string): string {
  return JSON.stringify({ message });
}
