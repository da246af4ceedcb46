import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultSpec } from "../../oci/defaults.js";
import { alreadyExists } from "../../errors/EngineError.js";
import { bool, expectPositionals, parseArgs, str } from "./args.js";
import type { Command } from "./io.js";

/** `spec [--bundle B] [--rootless]`: writes a default config.json (as `runc spec`), never over an existing one. */
export const specCommand: Command = async (_env, argv) => {
  const flags = { "--bundle": { key: "bundle", value: true }, "-b": { key: "bundle", value: true }, "--rootless": { key: "rootless" } };
  const { options: o, positionals } = parseArgs(argv, flags, { command: "spec" });
  expectPositionals(positionals, [], "spec");
  const file = join(str(o.bundle) ?? ".", "config.json");
  const spec = defaultSpec(bool(o.rootless) ? { rootless: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 } } : {});
  try {
    await writeFile(file, JSON.stringify(spec, null, "\t") + "\n", { flag: "wx", mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw alreadyExists(`spec: ${file} already exists, remove it first`);
    throw e;
  }
  return 0;
};
