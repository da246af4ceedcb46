/**
 * Query-string readers with moby's semantics (api/server/httputils/form.go): booleans are false
 * for "", "0", "no", "false", "none" and true for anything else; integers must parse or the
 * request is a 400 naming the parameter.
 */
import { invalidArgument } from "../errors/EngineError.js";
import { parseFilters, type Filters } from "./filters.js";

export class Query {
  constructor(readonly params: URLSearchParams) {}

  has(name: string): boolean {
    return this.params.has(name);
  }

  string(name: string): string | undefined {
    const v = this.params.get(name);
    return v === null ? undefined : v;
  }

  /** Every value of a repeated parameter (`names=a&names=b`). */
  all(name: string): string[] {
    return this.params.getAll(name);
  }

  bool(name: string, fallback = false): boolean {
    const raw = this.params.get(name);
    if (raw === null) return fallback;
    const s = raw.trim().toLowerCase();
    return !(s === "" || s === "0" || s === "no" || s === "false" || s === "none");
  }

  int(name: string): number | undefined {
    const raw = this.params.get(name);
    if (raw === null || raw === "") return undefined;
    if (!/^[+-]?\d+$/.test(raw.trim())) throw invalidArgument(`invalid value for ${name}: ${JSON.stringify(raw)}: must be an integer`);
    const n = Number.parseInt(raw.trim(), 10);
    if (!Number.isSafeInteger(n)) throw invalidArgument(`invalid value for ${name}: ${JSON.stringify(raw)}: out of range`);
    return n;
  }

  filters(): Filters {
    return parseFilters(this.params.get("filters"));
  }
}
