#!/usr/bin/env node
// Runs the whole suite with node's test runner over the compiled tree: unit tests beside the
// code (dist/src/**/*.test.js) and, as root, the integration tests (dist/test/**/*.test.js).
// Node 20's runner takes file lists, not globs, so the files are found here.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const unitOnly = args.includes("--unit");
const filters = args.filter((a) => !a.startsWith("--"));

function walk(dir, out) {
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (n.endsWith(".test.js")) out.push(p);
  }
  return out;
}

let files = walk("dist/src", []);
if (!unitOnly) files = files.concat(walk("dist/test", []));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
files.sort();
if (files.length === 0) {
  console.error("test: no test files found (did the build run?)");
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
