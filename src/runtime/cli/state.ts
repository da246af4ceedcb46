import { containerState } from "../lifecycle/state.js";
import { readRecord } from "../containerStore.js";
import { expectPositionals, parseArgs } from "./args.js";
import type { Command } from "./io.js";

/** `state ID`: runtime-spec state JSON plus runc's extra fields (rootfs, created, owner). */
export const stateCommand: Command = async ({ ctx, io }, argv) => {
  const [id] = expectPositionals(parseArgs(argv, {}, { command: "state" }).positionals, ["ID"], "state");
  const s = await containerState(ctx, id);
  const rec = await readRecord(ctx.root, id);
  io.out(JSON.stringify({ ...s, pid: s.pid ?? 0, rootfs: rec.rootfs, created: rec.created, owner: "" }, null, 2) + "\n");
  return 0;
};
