import { formatLine, type Field } from "../util/lineFormat.js";

/** One launch-plan record: tag first, then its fields (native/README.md). */
export type PlanLine = [string, ...Field[]];

/** Serializes plan records to the escaped line format the shim reads. */
export function planText(lines: readonly PlanLine[]): string {
  return lines.map(([tag, ...fields]) => formatLine(tag, ...fields)).join("");
}
