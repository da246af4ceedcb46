import { invalidArgument } from "../errors/EngineError.js";

/**
 * Writer for berth's line format (native/README.md): one record per line, TAB-separated fields,
 * where a field escapes backslash, newline and tab. NUL cannot be represented (C strings), so a
 * field containing one is refused rather than silently truncated by the reader.
 */
export function escapeField(field: string): string {
  if (field.includes("\0")) throw invalidArgument(`line format: field contains a NUL byte: ${JSON.stringify(field.slice(0, 64))}`);
  return field.replace(/[\\\n\t]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : "\\t"));
}

export type Field = string | number | bigint;

export function formatLine(tag: string, ...fields: Field[]): string {
  return [tag, ...fields.map((f) => escapeField(String(f)))].join("\t") + "\n";
}

/** The reverse, for lines the shim writes (sync pipe answers, exit records, tests). */
export function parseLine(line: string): string[] {
  const text = line.endsWith("\n") ? line.slice(0, -1) : line;
  return text.split("\t").map((f) =>
    f.replace(/\\(.)/g, (_m, c: string) => {
      if (c === "\\") return "\\";
      if (c === "n") return "\n";
      if (c === "t") return "\t";
      throw invalidArgument(`line format: bad escape \\${c}`);
    }),
  );
}
