import { invalidArgument } from "../../errors/EngineError.js";

/**
 * One line of berth's line format (native/README.md): TAB-separated fields where a field
 * escapes backslash, newline and tab. NUL cannot cross into C strings, so it is refused rather
 * than silently truncated. (Same rules as the launch plan; kept here so the seccomp side has no
 * dependency on the plan writer. A shared helper may replace it.)
 */
export function flatLine(tag: string, ...fields: Array<string | number>): string {
  const esc = (f: string | number): string => {
    const s = String(f);
    if (s.includes("\0")) throw invalidArgument(`seccomp profile: field contains a NUL byte: ${JSON.stringify(s.slice(0, 64))}`);
    return s.replace(/[\\\n\t]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : "\\t"));
  };
  return [tag, ...fields].map(esc).join("\t") + "\n";
}
