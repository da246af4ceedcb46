import { test } from "node:test";
import { strict as assert } from "node:assert";
import { expectPositionals, parseArgs } from "./args.js";

const FLAGS = { "--bundle": { key: "bundle", value: true }, "-b": { key: "bundle", value: true }, "-d": { key: "detach" }, "--env": { key: "env", value: true, multi: true } };

test("values as --x v and --x=v, booleans, repeated flags, interleaved positionals", () => {
  const r = parseArgs(["-b", "B", "id", "--env=A=1", "--env", "B=2", "-d"], FLAGS, { command: "t" });
  assert.deepEqual(r.options, { bundle: "B", env: ["A=1", "B=2"], detach: true });
  assert.deepEqual(r.positionals, ["id"]);
  assert.deepEqual(parseArgs(["-d=false"], FLAGS, { command: "t" }).options, { detach: false });
});

test("stopAtPositional hands everything after the first positional to it (exec's command)", () => {
  const r = parseArgs(["-d", "ctr", "sh", "-c", "echo --env"], FLAGS, { command: "exec", stopAtPositional: true });
  assert.deepEqual(r.options, { detach: true });
  assert.deepEqual(r.positionals, ["ctr", "sh", "-c", "echo --env"]);
  assert.deepEqual(parseArgs(["--", "-x"], FLAGS, { command: "t" }).positionals, ["-x"]);
});

test("errors name the command and the flag", () => {
  assert.throws(() => parseArgs(["--nope"], FLAGS, { command: "kill" }), /^EngineError: kill: unknown flag --nope$|kill: unknown flag --nope/);
  assert.throws(() => parseArgs(["--bundle"], FLAGS, { command: "create" }), /create: flag --bundle needs a value/);
  assert.throws(() => parseArgs(["-d=yes"], FLAGS, { command: "run" }), /run: flag -d is a boolean, got "yes"/);
  assert.throws(() => expectPositionals([], ["ID"], "start"), /start: missing ID argument \(usage: start ID\)/);
  assert.throws(() => expectPositionals(["a", "b", "c"], ["ID", "SIGNAL"], "kill", 1), /kill: unexpected argument "c"/);
  assert.deepEqual(expectPositionals(["a"], ["ID", "SIGNAL"], "kill", 1), ["a"]);
});

test("update flags become OCI resources, only the ones given", async () => {
  const { resourcesFromFlags } = await import("./update.js");
  assert.deepEqual(resourcesFromFlags({ memory: "1048576", cpuQuota: "5000", pidsLimit: "9" }), { memory: { limit: 1048576 }, cpu: { quota: 5000 }, pids: { limit: 9 } });
  assert.deepEqual(resourcesFromFlags({}), {});
  assert.throws(() => resourcesFromFlags({ memory: "1g" }), /update: --memory: expected an integer, got "1g"/);
});
