/**
 * The `filters` query parameter: a JSON object mapping a filter name to its values, either as a
 * list (`{"label":["a=b"]}`, API >= 1.22) or in the legacy map form (`{"label":{"a=b":true}}`),
 * as moby's filters.FromJSON accepts both. Values are kept as a set per name.
 */
import { invalidArgument } from "../errors/EngineError.js";

export type Filters = ReadonlyMap<string, ReadonlySet<string>>;

export const EMPTY_FILTERS: Filters = new Map();

export function parseFilters(raw: string | null | undefined): Filters {
  if (raw === null || raw === undefined || raw === "") return EMPTY_FILTERS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw invalidArgument(`parse filters: invalid filter JSON: ${(e as Error).message}`);
  }
  if (parsed === null) return EMPTY_FILTERS;
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw invalidArgument("parse filters: filters must be a JSON object");
  const out = new Map<string, Set<string>>();
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const set = new Set<string>();
    if (Array.isArray(value)) {
      for (const v of value) {
        if (typeof v !== "string") throw invalidArgument(`parse filters: value of filter ${JSON.stringify(name)} must be a string`);
        set.add(v);
      }
    } else if (value !== null && typeof value === "object") {
      for (const [v, on] of Object.entries(value as Record<string, unknown>)) {
        if (typeof on !== "boolean") throw invalidArgument(`parse filters: legacy value of filter ${JSON.stringify(name)} must map to a boolean`);
        if (on) set.add(v);
      }
    } else {
      throw invalidArgument(`parse filters: filter ${JSON.stringify(name)} must be a list of strings`);
    }
    out.set(name, set);
  }
  return out;
}

/** Rejects filter names the route does not know, with Docker's wording. */
export function validateFilterNames(filters: Filters, allowed: readonly string[]): void {
  for (const name of filters.keys()) {
    if (!allowed.includes(name)) throw invalidArgument(`invalid filter '${name}'`);
  }
}

/** The wire form (list form) for a client building a query. */
export function formatFilters(filters: Record<string, readonly string[]> | Filters): string {
  const obj: Record<string, string[]> = {};
  const entries = filters instanceof Map ? filters.entries() : Object.entries(filters);
  for (const [k, v] of entries) obj[k] = [...(v as Iterable<string>)];
  return JSON.stringify(obj);
}
