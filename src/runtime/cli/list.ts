import { listContainers } from "../lifecycle/list.js";
import { invalidArgument } from "../../errors/EngineError.js";
import { bool, expectPositionals, parseArgs, str } from "./args.js";
import type { Command } from "./io.js";

/** `list [--format table|json] [-q]` (runc's columns). */
export const listCommand: Command = async ({ ctx, io }, argv) => {
  const flags = { "--format": { key: "format", value: true }, "-f": { key: "format", value: true }, "--quiet": { key: "quiet" }, "-q": { key: "quiet" } };
  const { options: o, positionals } = parseArgs(argv, flags, { command: "list" });
  expectPositionals(positionals, [], "list");
  const format = str(o.format) ?? "table";
  if (format !== "table" && format !== "json") throw invalidArgument(`list: invalid --format ${JSON.stringify(format)} (table or json)`);
  const all = await listContainers(ctx);
  if (bool(o.quiet)) {
    io.out(all.map((c) => c.id + "\n").join(""));
    return 0;
  }
  if (format === "json") {
    io.out(JSON.stringify(all.map((c) => ({ ociVersion: "1.0.2", id: c.id, pid: c.pid, status: c.status, bundle: c.bundle, created: c.created, owner: "", annotations: c.annotations ?? {} }))) + "\n");
    return 0;
  }
  const rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], ...all.map((c) => [c.id, String(c.pid), c.status, c.bundle, c.created, "root"])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  io.out(rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] + 3))).join("").trimEnd() + "\n").join(""));
  return 0;
};
