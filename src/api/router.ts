/**
 * A small method + path router. Patterns are literal segments and `{name}` parameters that match
 * one segment; `{name*}` matches one or more segments, for the places where Docker lets a name
 * contain `/` (image references such as `registry:5000/org/app:tag` in /images/{name*}/json,
 * like moby's gorilla `{name:.*}`). Matching runs on the raw (still percent-encoded) path so an
 * encoded `%2F` stays inside one parameter; parameters are decoded afterwards.
 *
 * Routes are grouped by method and first literal segment, so a lookup tries only a handful of
 * compiled regular expressions.
 */
import { invalidArgument } from "../errors/EngineError.js";

export type Params = Record<string, string>;

export interface RouteMatch<H> { handler: H; params: Params; pattern: string }

interface CompiledRoute<H> { pattern: string; re: RegExp; names: string[]; handler: H }

const PARAM_RE = /^\{([A-Za-z_][A-Za-z0-9_]*)(\*)?\}$/;

function compile(pattern: string): { re: RegExp; names: string[] } {
  if (!pattern.startsWith("/")) throw invalidArgument(`router: pattern ${JSON.stringify(pattern)} must start with /`);
  const names: string[] = [];
  const parts = pattern.split("/").slice(1).map((seg) => {
    const m = PARAM_RE.exec(seg);
    if (!m) {
      if (seg.includes("{") || seg.includes("}")) throw invalidArgument(`router: bad segment ${JSON.stringify(seg)} in ${pattern}`);
      return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
    names.push(m[1]!);
    return m[2] ? "(.+)" : "([^/]+)";
  });
  return { re: new RegExp("^/" + parts.join("/") + "/?$"), names };
}

function firstSegment(path: string): string {
  const end = path.indexOf("/", 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

export class Router<H> {
  // method -> first segment -> routes in registration order
  private readonly table = new Map<string, Map<string, CompiledRoute<H>[]>>();

  add(method: string, pattern: string, handler: H): this {
    const { re, names } = compile(pattern);
    const first = firstSegment(pattern);
    if (PARAM_RE.test(first)) throw invalidArgument(`router: pattern ${pattern} must start with a literal segment`);
    const m = method.toUpperCase();
    let byFirst = this.table.get(m);
    if (!byFirst) this.table.set(m, (byFirst = new Map()));
    let list = byFirst.get(first);
    if (!list) byFirst.set(first, (list = []));
    list.push({ pattern, re, names, handler });
    return this;
  }

  /** The first route registered for this method whose pattern matches, or null. */
  match(method: string, rawPath: string): RouteMatch<H> | null {
    const list = this.table.get(method.toUpperCase())?.get(firstSegment(rawPath));
    if (!list) return null;
    for (const r of list) {
      const m = r.re.exec(rawPath);
      if (!m) continue;
      const params: Params = {};
      for (let i = 0; i < r.names.length; i++) params[r.names[i]!] = decodeParam(m[i + 1]!);
      return { handler: r.handler, params, pattern: r.pattern };
    }
    return null;
  }

  /** True when some method has a route for this path (distinguishes 404 from wrong method). */
  hasPath(rawPath: string): boolean {
    for (const m of this.table.keys()) if (this.match(m, rawPath)) return true;
    return false;
  }
}

function decodeParam(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalidArgument(`route: malformed percent-encoding in ${JSON.stringify(s)}`);
  }
}
