import { createContainer } from "../lifecycle/create.js";
import { bool, expectPositionals, parseArgs, str } from "./args.js";
import { notImplemented } from "../errorsLocal.js";
import type { Command } from "./io.js";

export const CREATE_FLAGS = {
  "--bundle": { key: "bundle", value: true },
  "-b": { key: "bundle", value: true },
  "--pid-file": { key: "pidFile", value: true },
  "--console-socket": { key: "consoleSocket", value: true },
  "--no-pivot": { key: "noPivot" },
  // berth-shim never creates a session keyring, which is what this flag asks for.
  "--no-new-keyring": { key: "noNewKeyring" },
  "--preserve-fds": { key: "preserveFds", value: true },
};

export function checkPreserveFds(v: string | undefined): void {
  if (v !== undefined && v !== "0") throw notImplemented("--preserve-fds is not supported by berth");
}

/** `create [--bundle B] [--pid-file F] [--console-socket S] ID`: the container's stdio is this process's. */
export const createCommand: Command = async ({ ctx }, argv) => {
  const { options: o, positionals } = parseArgs(argv, CREATE_FLAGS, { command: "create" });
  const [id] = expectPositionals(positionals, ["ID"], "create");
  checkPreserveFds(str(o.preserveFds));
  await createContainer(ctx, { id, bundle: str(o.bundle) ?? ".", pidFile: str(o.pidFile), consoleSocket: str(o.consoleSocket), noPivot: bool(o.noPivot), stdio: "inherit" });
  return 0;
};
