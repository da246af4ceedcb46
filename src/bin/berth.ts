#!/usr/bin/env node
// berth: the command line. Composition root: real stdout/stderr, the engine on the real host.
// BERTH_DATA_ROOT / BERTH_EXEC_ROOT move the engine's directories (tests run several side by side).
import { main } from "../cli/main.js";
import { openEngine } from "../engine/Engine.js";
import { DEFAULT_PATHS } from "../engine/paths.js";

const paths = {
  dataRoot: process.env.BERTH_DATA_ROOT || DEFAULT_PATHS.dataRoot,
  execRoot: process.env.BERTH_EXEC_ROOT || DEFAULT_PATHS.execRoot,
};
const code = await main(
  process.argv.slice(2),
  { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) },
  () => openEngine(paths),
);
process.stdout.write("", () => process.exit(code));
