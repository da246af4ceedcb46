/**
 * The layout docker's tables get from Go's text/tabwriter (minwidth 10, padding 3, spaces):
 * tab-terminated cells are padded to their column's width; the last cell of a line is not.
 */
export function tabwrite(text: string, minWidth = 10, padding = 3): string {
  const lines = text.split("\n");
  const cells = lines.map((l) => l.split("\t"));
  const widths: number[] = [];
  for (const row of cells) {
    for (let i = 0; i < row.length - 1; i++) widths[i] = Math.max(widths[i] ?? 0, Math.max(width(row[i]!) + padding, minWidth));
  }
  return cells.map((row) => row.map((c, i) => (i < row.length - 1 ? c + " ".repeat(widths[i]! - width(c)) : c)).join("")).join("\n");
}

/** Display width: code points (docker's tabwriter counts runes too). */
function width(s: string): number {
  return [...s].length;
}
