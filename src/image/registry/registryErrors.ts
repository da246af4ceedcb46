import { EngineError } from "../../errors/EngineError.js";
import type { ErrorKind } from "../../errors/EngineError.js";

/**
 * Maps a registry's error response (distribution spec: `{"errors":[{"code","message","detail"}]}`)
 * to an EngineError, with Docker's words where the Docker CLI shows them.
 */
export interface RegistryErrorItem { code: string; message?: string; detail?: unknown }

export function parseErrorBody(body: Buffer): RegistryErrorItem[] {
  try {
    const v = JSON.parse(body.toString("utf8"));
    if (v && Array.isArray(v.errors)) return v.errors.filter((e: unknown) => e && typeof (e as RegistryErrorItem).code === "string");
  } catch {
    // not JSON: fall back to the status
  }
  return [];
}

/** "unauthorized: authentication required" — the codes and messages as the CLI prints them. */
export function describeErrors(items: RegistryErrorItem[], status: number): string {
  if (items.length === 0) return `unexpected HTTP status ${status}`;
  return items.map((e) => `${e.code.toLowerCase().replace(/_/g, " ")}: ${e.message ?? ""}`.trim()).join("; ");
}

export type RegistryOperation =
  | { op: "pull"; name: string; reference?: string }
  | { op: "push"; name: string }
  | { op: "ping" | "login"; name: string };

export function registryError(status: number, items: RegistryErrorItem[], ctx: RegistryOperation, what: string): EngineError {
  const codes = new Set(items.map((e) => e.code));
  const text = describeErrors(items, status);
  const detail = { status, errors: items };
  const denied = status === 401 || status === 403 || codes.has("UNAUTHORIZED") || codes.has("DENIED");
  if (ctx.op === "pull") {
    if (codes.has("MANIFEST_UNKNOWN") || (status === 404 && what.startsWith("manifest"))) {
      const ref = ctx.reference ? `${ctx.name}${ctx.reference.includes(":") && ctx.reference.startsWith("sha256") ? "@" : ":"}${ctx.reference}` : ctx.name;
      if (codes.has("NAME_UNKNOWN")) return make("NotFound", `pull access denied for ${ctx.name}, repository does not exist or may require 'docker login': ${text}`, detail);
      return make("NotFound", `manifest for ${ref} not found: ${items.length ? text : "manifest unknown"}`, detail);
    }
    if (codes.has("NAME_UNKNOWN")) return make("NotFound", `pull access denied for ${ctx.name}, repository does not exist or may require 'docker login': ${text}`, detail);
    if (denied) return make("Forbidden", `pull access denied for ${ctx.name}, repository does not exist or may require 'docker login': ${text}`, detail);
  }
  if (ctx.op === "push" && denied) {
    return make("Forbidden", `push ${ctx.name}: ${items.length ? text : "denied: requested access to the resource is denied"}`, detail);
  }
  if (ctx.op === "login" && denied) {
    return make("Forbidden", `login to ${ctx.name}: ${items.length ? text : "unauthorized: incorrect username or password"}`, detail);
  }
  let kind: ErrorKind = "Internal";
  if (denied) kind = "Forbidden";
  else if (status === 404 || codes.has("BLOB_UNKNOWN") || codes.has("NAME_UNKNOWN") || codes.has("MANIFEST_UNKNOWN") || codes.has("BLOB_UPLOAD_UNKNOWN")) kind = "NotFound";
  else if (status === 400 || codes.has("DIGEST_INVALID") || codes.has("MANIFEST_INVALID") || codes.has("NAME_INVALID") || codes.has("TAG_INVALID") || codes.has("SIZE_INVALID") || codes.has("MANIFEST_BLOB_UNKNOWN")) kind = "InvalidArgument";
  else if (status === 405 || codes.has("UNSUPPORTED")) kind = "NotImplemented";
  else if (status === 429 || codes.has("TOOMANYREQUESTS") || status >= 500) kind = "Unavailable";
  return make(kind, `${ctx.op} ${ctx.name}: ${what}: ${text}`, detail);
}

function make(kind: ErrorKind, message: string, detail: Record<string, unknown>): EngineError {
  return new EngineError(kind, message, { detail });
}
