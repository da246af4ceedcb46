/** The functions docker's --format offers (cli/templates) plus the Go builtins people use. */
import { TemplateError } from "./parse.js";

type Fn = (...args: unknown[]) => unknown;

const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateError(`incompatible types for comparison`);
}

function printf(format: unknown, ...args: unknown[]): string {
  let i = 0;
  return str(format).replace(/%([-+ 0#]*\d*(?:\.\d+)?)([svdqtfx%])/g, (_m, _flags: string, verb: string) => {
    if (verb === "%") return "%";
    const a = args[i++];
    switch (verb) {
      case "q": return JSON.stringify(str(a));
      case "d": return String(Math.trunc(Number(a)));
      case "f": return Number(a).toFixed(6);
      case "x": return typeof a === "number" ? a.toString(16) : Buffer.from(str(a)).toString("hex");
      default: return typeof a === "object" && a !== null ? JSON.stringify(a) : str(a);
    }
  });
}

export const TEMPLATE_FUNCS: Record<string, Fn> = {
  json: (v) => JSON.stringify(v === undefined ? null : v),
  join: (list, sep) => (Array.isArray(list) ? list.map(str).join(str(sep)) : str(list)),
  split: (s, sep) => str(s).split(str(sep)),
  lower: (s) => str(s).toLowerCase(),
  upper: (s) => str(s).toUpperCase(),
  title: (s) => str(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  truncate: (s, n) => [...str(s)].slice(0, Number(n)).join(""),
  pad: (s, l, r) => " ".repeat(Number(l)) + str(s) + " ".repeat(Number(r)),
  println: (...a) => a.map(str).join(" ") + "\n",
  print: (...a) => a.map(str).join(""),
  printf: (f, ...a) => printf(f, ...a),
  len: (v) => {
    if (typeof v === "string" || Array.isArray(v)) return v.length;
    if (v && typeof v === "object") return Object.keys(v).length;
    throw new TemplateError(`len of ${typeof v}`);
  },
  index: (coll, ...keys) => {
    let v = coll;
    for (const k of keys) {
      if (v === null || v === undefined) return undefined;
      v = (v as Record<string, unknown>)[str(k)];
    }
    return v;
  },
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  not: (a) => !truthyLocal(a),
  and: (...a) => a.find((x) => !truthyLocal(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthyLocal(x)) ?? a[a.length - 1],
};

function truthyLocal(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}
