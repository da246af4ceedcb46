/**
 * The filters of `GET /images/json` and `POST /images/prune` (moby daemon/images/images.go,
 * image_prune.go): dangling, label / label!, reference (glob over the familiar names),
 * before / since (relative to another image), until (a timestamp or duration).
 */
import { invalidArgument } from "../errors/EngineError.js";
import type { Filters } from "../api/filters.js";
import { familiarName, parseReference } from "../image/reference.js";

/** What a filter looks at of one image. */
export interface FilterableImage {
  id: string;
  /** Familiar RepoTags and RepoDigests. */
  repoTags: string[];
  repoDigests: string[];
  /** Unix seconds. */
  created: number;
  labels: Record<string, string>;
}

export interface ImageFilterContext {
  /** Creation time (unix seconds) of the image a before/since filter names; throws NotFound. */
  createdOf(reference: string): number;
  now?: number;
}

function boolFilter(filters: Filters, name: string): boolean | undefined {
  const v = filters.get(name);
  if (!v || v.size === 0) return undefined;
  if (v.size > 1) throw invalidArgument(`invalid filter '${name}': conflicting values`);
  const [x] = [...v];
  if (x === "true" || x === "1") return true;
  if (x === "false" || x === "0") return false;
  throw invalidArgument(`invalid filter '${name}=${x}'`);
}

/** Docker's label filter: `key` (present) or `key=value`. */
export function labelsMatch(labels: Record<string, string>, wanted: ReadonlySet<string> | undefined): boolean {
  if (!wanted) return true;
  for (const w of wanted) {
    const eq = w.indexOf("=");
    if (eq === -1 ? !(w in labels) : labels[w.slice(0, eq)] !== w.slice(eq + 1)) return false;
  }
  return true;
}

/** Go's path.Match for a pattern without escapes: `*` and `?` never match `/`, `[...]` classes. */
export function globMatch(pattern: string, text: string): boolean {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) throw invalidArgument(`invalid filter 'reference=${pattern}': syntax error in pattern`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith("^")) cls = "^" + cls.slice(1);
      re += `[${cls.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else if (c === "\\" && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(re + "$").test(text);
}

/** reference.FamiliarMatch: the pattern against `name:tag`, and against the bare name too. */
export function referenceMatches(pattern: string, familiar: string): boolean {
  if (globMatch(pattern, familiar)) return true;
  try {
    const ref = parseReference(familiar);
    return globMatch(pattern, familiarName(ref));
  } catch {
    return false;
  }
}

/** `until` / `since` values: RFC 3339, unix seconds, or a Go duration back from now ("10m"). */
export function parseTimestamp(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const dur = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(value);
  if (dur) {
    const mult: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    return now / 1000 - Number(dur[1]) * mult[dur[2]!]!;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalidArgument(`invalid filter value: cannot parse "${value}" as a timestamp`);
  return t / 1000;
}

/** A predicate for the images the filters keep. */
export function imageFilter(filters: Filters, ctx: ImageFilterContext): (img: FilterableImage) => boolean {
  const dangling = boolFilter(filters, "dangling");
  const labels = filters.get("label");
  const notLabels = filters.get("label!");
  const refs = filters.get("reference");
  const before = [...(filters.get("before") ?? [])].map((r) => ctx.createdOf(r));
  const since = [...(filters.get("since") ?? [])].map((r) => ctx.createdOf(r));
  const until = [...(filters.get("until") ?? [])].map((u) => parseTimestamp(u, ctx.now));
  return (img) => {
    if (dangling !== undefined && (img.repoTags.length === 0) !== dangling) return false;
    if (!labelsMatch(img.labels, labels)) return false;
    if (notLabels && notLabels.size > 0 && [...notLabels].some((l) => labelsMatch(img.labels, new Set([l])))) return false;
    if (refs && refs.size > 0) {
      const names = [...img.repoTags, ...img.repoDigests];
      if (![...refs].some((p) => names.some((n) => referenceMatches(p, n)))) return false;
    }
    if (before.some((t) => img.created >= t)) return false;
    if (since.some((t) => img.created <= t)) return false;
    if (until.some((t) => img.created >= t)) return false;
    return true;
  };
}
