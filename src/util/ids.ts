import { invalidArgument } from "../errors/EngineError.js";

/**
 * Container ids become path components (state dirs, cgroup paths), so they are checked once at
 * the entry: letters, digits and `_ . -`, not starting with a dot, at most 1024 bytes
 * (runc's rule, plus the leading-dot ban so `.` and `..` can never reach a path).
 */
const ID_RE = /^[A-Za-z0-9_+\-][A-Za-z0-9_+.\-]*$/;

export function isValidId(id: string): boolean {
  return id.length > 0 && id.length <= 1024 && ID_RE.test(id);
}

export function validateId(id: string, what = "container id"): string {
  if (!isValidId(id)) throw invalidArgument(`validate ${what}: invalid ${what} ${JSON.stringify(id)} (allowed: letters, digits, _ + . -; not starting with a dot)`);
  return id;
}
