/**
 * Type checks for JSON request bodies. Go's decoder rejects a wrong JSON type with a 400 and
 * treats `null` as the zero value; these checks do the same and name the offending field
 * ("create container: field HostConfig.Memory must be an integer"). A `null` in a known field is
 * removed from the body, so the backends see it as absent as Go would (docker-py sends
 * `"StartPeriod": null` for a healthcheck without start_period).
 */
import { invalidArgument } from "../errors/EngineError.js";

export type FieldType =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "object"
  | "array"
  | "string[]"
  | "string|string[]"
  | "map<string>";

export type Shape = Readonly<Record<string, FieldType | { object: Shape }>>;

function describe(t: FieldType): string {
  switch (t) {
    case "integer": return "an integer";
    case "object": return "an object";
    case "array": return "an array";
    case "string[]": return "a list of strings";
    case "string|string[]": return "a string or a list of strings";
    case "map<string>": return "an object of strings";
    default: return `a ${t}`;
  }
}

function matches(v: unknown, t: FieldType): boolean {
  switch (t) {
    case "string": return typeof v === "string";
    case "number": return typeof v === "number" && Number.isFinite(v);
    case "integer": return typeof v === "number" && Number.isInteger(v);
    case "boolean": return typeof v === "boolean";
    case "object": return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array": return Array.isArray(v);
    case "string[]": return Array.isArray(v) && v.every((x) => typeof x === "string");
    case "string|string[]": return typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"));
    case "map<string>": return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
  }
}

/** Checks the known fields of `value` against `shape` and drops their `null`s; unknown fields pass (Go ignores them). */
export function checkShape(value: unknown, shape: Shape, action: string, prefix = ""): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(`${action}: ${prefix ? `field ${prefix}` : "body"} must be a JSON object`);
  }
  const obj = value as Record<string, unknown>;
  for (const [name, t] of Object.entries(shape)) {
    const v = obj[name];
    if (v === null) delete obj[name];
    if (v === undefined || v === null) continue;
    const path = prefix ? `${prefix}.${name}` : name;
    if (typeof t === "object") {
      checkShape(v, t.object, action, path);
    } else if (!matches(v, t)) {
      throw invalidArgument(`${action}: field ${path} must be ${describe(t)}`);
    }
  }
}

/** A body that must be present and an object (moby: "config cannot be empty ..."). */
export function requireObject(value: unknown, action: string): Record<string, unknown> {
  if (value === undefined) throw invalidArgument(`${action}: request body is empty`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalidArgument(`${action}: body must be a JSON object`);
  return value as Record<string, unknown>;
}
