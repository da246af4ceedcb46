#!/usr/bin/env node
// berth-runtime: the runc-compatible OCI runtime CLI. Composition root: wires the real kernel
// implementations (LinuxSys, detected cgroup manager, seccomp compiler, shim) into the runtime.
import { main } from "../runtime/cli/main.js";
import { linuxRuntimeContext } from "../runtime/linuxContext.js";

const code = await main(process.argv.slice(2), {
  makeContext: (root) => linuxRuntimeContext({ root }),
  io: {
    out: (t) => process.stdout.write(t),
    warn: (t) => process.stderr.write(`warning: ${t}\n`),
  },
  error: (line) => process.stderr.write(`berth-runtime: ${line}\n`),
});
// Flush stdout before exiting with the container's code (a pipe may still hold output).
process.stdout.write("", () => process.exit(code));
