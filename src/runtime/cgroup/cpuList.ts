import { invalidArgument } from "../../errors/EngineError.js";

/**
 * The kernel's list format for cpuset.cpus / cpuset.mems ("0-3,8,10-11"). Parsed to a sorted
 * set of numbers so a requested set can be checked against the parent's effective set.
 */
export function parseCpuList(text: string, field: string): number[] {
  const t = text.trim();
  if (t === "") return [];
  const out = new Set<number>();
  for (const part of t.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw invalidArgument(`${field}: invalid list ${JSON.stringify(text)} (expected e.g. "0-3,5")`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi > 1 << 16) throw invalidArgument(`${field}: invalid range ${JSON.stringify(part)} in ${JSON.stringify(text)}`);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** Fails with InvalidArgument naming the field when `requested` has members outside `allowed`. */
export function requireSubset(requested: string, allowed: string, field: string, allowedWhat: string): void {
  const want = parseCpuList(requested, field);
  const have = new Set(parseCpuList(allowed, allowedWhat));
  const missing = want.filter((n) => !have.has(n));
  if (missing.length > 0) {
    throw invalidArgument(`${field}: ${JSON.stringify(requested)} is not within the parent's ${allowedWhat} ${JSON.stringify(allowed)} (not available: ${missing.join(",")})`);
  }
}
