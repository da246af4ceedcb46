#!/usr/bin/env node
// berth: the command line, a Docker API client (-H / BERTH_HOST / DOCKER_HOST pick the daemon).
// Composition root: the real process streams and environment; nothing else is loaded up front.
// Also the entry of the bundled CLI (npm run build:cli → dist/berth-cli-bundle.cjs, CommonJS):
// hence no top-level await.
import { main } from "../cli/main.js";

// A closed pipe (`berth events | head`) ends the command quietly, as SIGPIPE ends docker's.
for (const s of [process.stdout, process.stderr]) {
  s.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

// stdin as a getter: process.stdin is made on first access, and most commands never read it.
const deps = { get stdin() { return process.stdin; }, stdout: process.stdout, stderr: process.stderr, env: process.env };
void main(process.argv.slice(2), deps).then((code) => {
  // Flush what is buffered for a pipe before leaving (process.exit would drop it).
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
});
