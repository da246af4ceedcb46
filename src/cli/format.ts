/** Docker's human formats for tables: sizes in decimal units, ages like "3 hours ago", padded columns. */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

export function humanAge(unixSeconds: number, now = Date.now()): string {
  const s = Math.max(0, Math.round(now / 1000 - unixSeconds));
  const steps: [number, string][] = [[60 * 60 * 24 * 365, "year"], [60 * 60 * 24 * 30, "month"], [60 * 60 * 24 * 7, "week"], [60 * 60 * 24, "day"], [60 * 60, "hour"], [60, "minute"]];
  for (const [len, name] of steps) {
    const n = Math.floor(s / len);
    if (n >= 1) return n === 1 ? (name === "hour" ? "About an hour ago" : `1 ${name} ago`) : `${n} ${name}s ago`;
  }
  return s < 1 ? "Less than a second ago" : `${s} seconds ago`;
}

/** Left-aligned columns separated by at least 3 spaces (docker's tabwriter layout). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3))).join("").trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}
