import { test } from "node:test";
import { strict as assert } from "node:assert";
import { parseFlags, flagBool, flagValue, flagValues, type FlagSpec } from "./flags.js";

const specs: FlagSpec[] = [
  { long: "interactive", short: "i" },
  { long: "tty", short: "t" },
  { long: "rm" },
  { long: "env", short: "e", value: true, multi: true },
  { long: "workdir", short: "w", value: true },
];

test("grouped short booleans and values in every pflag form", () => {
  const p = parseFlags(["-it", "-eA=1", "-e", "B=2", "-e=C=3", "--env", "D=4", "--env=E=5", "-w/tmp", "--rm", "busybox", "ls", "-l"], specs, "run");
  assert.ok(flagBool(p, "interactive") && flagBool(p, "tty") && flagBool(p, "rm"));
  assert.deepEqual(flagValues(p, "env"), ["A=1", "B=2", "C=3", "D=4", "E=5"]);
  assert.equal(flagValue(p, "workdir"), "/tmp");
  assert.deepEqual(p.args, ["busybox", "ls", "-l"]);
});

test("the first positional ends flag parsing; -- too", () => {
  assert.deepEqual(parseFlags(["img", "--rm"], specs, "run").args, ["img", "--rm"]);
  assert.deepEqual(parseFlags(["--", "--rm"], specs, "run").args, ["--rm"]);
});

test("booleans take explicit values; bad ones and unknown flags are errors", () => {
  assert.equal(flagBool(parseFlags(["--rm=false", "x"], specs, "run"), "rm"), false);
  assert.throws(() => parseFlags(["--rm=maybe"], specs, "run"), /invalid argument "maybe" for "--rm"/);
  assert.throws(() => parseFlags(["--nope"], specs, "run"), /unknown flag: --nope/);
  assert.throws(() => parseFlags(["-x"], specs, "run"), /unknown shorthand flag: 'x'/);
  assert.throws(() => parseFlags(["-e"], specs, "run"), /flag needs an argument/);
});

test("interspersed commands take flags after positionals; -h/--help ask for usage", () => {
  const p = parseFlags(["a", "--rm", "b"], specs, "rm", { interspersed: true });
  assert.deepEqual(p.args, ["a", "b"]);
  assert.ok(flagBool(p, "rm"));
  assert.throws(() => parseFlags(["--help"], specs, "rm"), /help requested/);
  assert.throws(() => parseFlags(["-h"], specs, "rm"), /help requested/);
});

