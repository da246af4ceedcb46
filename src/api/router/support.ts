/** Small helpers shared by the route files. */
import { EngineError } from "../../errors/EngineError.js";
import type { Handler, RequestContext } from "../context.js";
import type { Router } from "../router.js";
import { decodeRegistryAuth } from "../registry-auth.js";
import { parseTimestamp } from "../timestamps.js";
import type { AuthConfig } from "../types/system.js";

export type ApiRouter = Router<Handler>;

/**
 * The backend for a resource, or a 501 when the daemon was started without it: a route that
 * exists on the wire but has nothing behind it says so rather than pretending.
 */
export function need<T>(backend: T | undefined, what: string): T {
  if (backend === undefined) throw new EngineError("NotImplemented", `${what} are not supported by this daemon`);
  return backend;
}

export function param(ctx: RequestContext, name: string): string {
  const v = ctx.params[name];
  if (v === undefined) throw new Error(`route: missing parameter ${name}`);
  return v;
}

/** Credentials from Docker's X-Registry-Auth header, if any. */
export function registryAuth(ctx: RequestContext): AuthConfig | undefined {
  return decodeRegistryAuth(ctx.header("x-registry-auth"));
}

/** A since/until parameter, rejected with a 400 unless it is Unix seconds; passed on as sent. */
export function checkedTimestamp(ctx: RequestContext, name: string): string | undefined {
  const raw = ctx.query.string(name);
  return parseTimestamp(name, raw) === undefined ? undefined : raw;
}
