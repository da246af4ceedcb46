/**
 * Prints Docker's JSON progress messages the way the docker CLI's jsonmessage package does:
 * on a terminal, a layer's line (any message with an id and progressDetail) is redrawn in place
 * with its bar; elsewhere plain lines, leaving out the bar updates. `stream` messages (load)
 * print as they are; `aux` messages go to the caller (push digests).
 */
import type { JSONMessage } from "../api/types/progress.js";
import type { OutStream } from "./io.js";

const ESC = "\x1b[";

export async function displayProgress(messages: AsyncIterable<JSONMessage>, out: OutStream, onAux?: (aux: unknown) => void): Promise<void> {
  const tty = Boolean(out.isTTY);
  const ids = new Map<string, number>();
  for await (const m of messages) {
    if (m.aux !== undefined) {
      onAux?.(m.aux);
      continue;
    }
    let diff = 0;
    const tracked = Boolean(m.id) && m.progressDetail !== undefined;
    if (tracked) {
      let line = ids.get(m.id!);
      if (line === undefined) {
        line = ids.size;
        ids.set(m.id!, line);
        if (tty) out.write("\n");
      }
      diff = ids.size - line;
      if (tty) out.write(`${ESC}${diff}A`);
    } else {
      ids.clear();
    }
    out.write(render(m, tty));
    if (tty && diff > 0) out.write(`${ESC}${diff}B`);
  }
}

function hasBar(m: JSONMessage): boolean {
  const d = m.progressDetail;
  return d !== undefined && ((d.current ?? 0) > 0 || (d.total ?? 0) > 0);
}

function render(m: JSONMessage, tty: boolean): string {
  let prefix = "";
  let endl = "";
  if (tty && m.stream === undefined && m.progressDetail !== undefined) {
    prefix = `${ESC}2K\r`;
    endl = "\r";
  } else if (hasBar(m)) {
    return ""; // bars only make sense on a terminal
  }
  if (m.stream !== undefined) return prefix + m.stream;
  const id = m.id ? `${m.id}: ` : "";
  const from = m.from ? `(from ${m.from}) ` : "";
  if (tty && m.progressDetail !== undefined) return `${prefix}${id}${from}${m.status ?? ""} ${m.progress ?? ""}${endl}`;
  return `${prefix}${id}${from}${m.status ?? ""}${endl}\n`;
}
