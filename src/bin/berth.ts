#!/usr/bin/env node
// berth: the command line. Composition root: real stdout/stderr, the engine on the real host.
import { main } from "../cli/main.js";

const code = await main(process.argv.slice(2), {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
});
process.stdout.write("", () => process.exit(code));
