/**
 * `--format` for listing commands, as docker's cli/command/formatter does it: empty or "table"
 * is the command's default table; "json" is one JSON object per line; "table <tmpl>" renders
 * the template per row under a header row, aligned; any other template is rendered per item.
 * `\t` and `\n` written literally in the format become tab and newline.
 */
import { executeTemplate } from "./template/execute.js";
import { parseTemplate } from "./template/parse.js";
import { tabwrite } from "./tabwriter.js";

export interface FormatSpec {
  /** The command's default table, e.g. "table {{.ID}}\t{{.Image}}". */
  defaultTable: string;
  /** Header text per field (`ID` → "CONTAINER ID"); other fields show upper-cased. */
  headers: Record<string, string>;
  /** Used when --quiet: the template of the one column. */
  quiet?: string;
}

/** A row object for templates: strict (unknown fields are errors) and JSON-able with sorted keys. */
export type Row = Record<string, unknown>;

function headerContext(spec: FormatSpec, sample: Row | undefined): Row {
  return new Proxy({}, {
    has: () => true,
    get: (_t, key) => {
      if (typeof key !== "string") return undefined;
      const h = spec.headers[key] ?? key.toUpperCase();
      return sample && typeof sample[key] === "function" ? () => h : h;
    },
  });
}

function unescape(s: string): string {
  return s.replace(/\\t/g, "\t").replace(/\\n/g, "\n");
}

/** JSON of a row: its plain fields, keys sorted (docker marshals its contexts that way). */
export function rowJson(row: Row): string {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(row).sort()) if (typeof row[k] !== "function") out[k] = row[k];
  return JSON.stringify(out);
}

export function renderRows(format: string | undefined, rows: Row[], spec: FormatSpec): string {
  let f = format ?? "";
  if (f === "" || f === "table") f = spec.defaultTable;
  if (f === "json") return rows.map((r) => rowJson(r) + "\n").join("");
  const table = f.startsWith("table");
  const body = unescape(table ? f.slice("table".length).trim() : f);
  const nodes = parseTemplate(body.replace(/\{\{\s*json\s+\.\s*\}\}/g, "{{json .}}"));
  const lines = rows.map((r) => executeTemplate(nodes, withJson(r)));
  if (!table) return lines.map((l) => l + "\n").join("");
  const header = executeTemplate(nodes, headerContext(spec, rows[0]));
  return tabwrite([header, ...lines].join("\n")) + "\n";
}

/** Lets `{{json .}}` print the row's fields rather than its methods. */
function withJson(r: Row): Row {
  return new Proxy(r, {
    get: (t, k) => (k === "toJSON" ? () => JSON.parse(rowJson(t)) : (t as Record<string | symbol, unknown>)[k]),
  });
}

/** `--format` for single objects (inspect): a template over the raw JSON answer. */
export function renderObject(format: string, value: unknown): string {
  // docker inspect parses the template as given (no \t replacement, unlike list formats).
  const nodes = parseTemplate(format);
  return executeTemplate(nodes, value) + "\n";
}
