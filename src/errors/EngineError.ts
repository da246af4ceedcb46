/**
 * The one error type library code throws. `kind` says what went wrong in a way the edges can
 * translate (HTTP status in the API, exit code in the CLIs) without parsing messages
 * (containerd's errdefs, moby's errdefs/http_helpers.go). Messages follow "action: detail".
 */
export type ErrorKind =
  | "NotFound"
  | "InvalidArgument"
  | "Conflict"
  | "AlreadyExists"
  | "Forbidden"
  | "FailedPrecondition"
  | "Unavailable"
  | "NotImplemented"
  | "Internal";

export interface EngineErrorOptions {
  cause?: unknown;
  /** Errors met while rolling back after the original failure (reported, never swallowed). */
  cleanupErrors?: unknown[];
  /** Extra structured detail, e.g. the failing stage of the C helper. */
  detail?: Record<string, unknown>;
}

export class EngineError extends Error {
  readonly kind: ErrorKind;
  readonly cleanupErrors: unknown[];
  readonly detail: Record<string, unknown>;

  constructor(kind: ErrorKind, message: string, options: EngineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EngineError";
    this.kind = kind;
    this.cleanupErrors = options.cleanupErrors ?? [];
    this.detail = options.detail ?? {};
  }

  /** The message plus any cleanup failures, for one-line reporting. */
  fullMessage(): string {
    if (this.cleanupErrors.length === 0) return this.message;
    const extra = this.cleanupErrors.map((e) => (e instanceof Error ? e.message : String(e)));
    return `${this.message} (cleanup also failed: ${extra.join("; ")})`;
  }
}

export const notFound = (msg: string, o?: EngineErrorOptions) => new EngineError("NotFound", msg, o);
export const invalidArgument = (msg: string, o?: EngineErrorOptions) => new EngineError("InvalidArgument", msg, o);
export const conflict = (msg: string, o?: EngineErrorOptions) => new EngineError("Conflict", msg, o);
export const alreadyExists = (msg: string, o?: EngineErrorOptions) => new EngineError("AlreadyExists", msg, o);
export const failedPrecondition = (msg: string, o?: EngineErrorOptions) => new EngineError("FailedPrecondition", msg, o);
export const notImplemented = (msg: string, o?: EngineErrorOptions) => new EngineError("NotImplemented", msg, o);
export const internal = (msg: string, o?: EngineErrorOptions) => new EngineError("Internal", msg, o);

export function isEngineError(e: unknown, kind?: ErrorKind): e is EngineError {
  return e instanceof EngineError && (kind === undefined || e.kind === kind);
}

/** Wraps an unknown failure with context, keeping an EngineError's kind. */
export function wrapError(e: unknown, action: string): EngineError {
  if (e instanceof EngineError) return new EngineError(e.kind, `${action}: ${e.message}`, { cause: e, cleanupErrors: e.cleanupErrors, detail: e.detail });
  const err = e as NodeJS.ErrnoException;
  if (err && err.code === "ENOENT") return notFound(`${action}: ${err.message}`, { cause: e });
  if (err && err.code === "EEXIST") return alreadyExists(`${action}: ${err.message}`, { cause: e });
  if (err && (err.code === "EACCES" || err.code === "EPERM")) return new EngineError("Forbidden", `${action}: ${err.message}`, { cause: e });
  return internal(`${action}: ${err instanceof Error ? err.message : String(e)}`, { cause: e });
}
