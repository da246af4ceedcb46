import { test } from "node:test";
import { strict as assert } from "node:assert";
import { escapeField, formatLine, parseLine } from "./lineFormat.js";

test("escapeField escapes backslash, newline and tab only", () => {
  assert.equal(escapeField("a\\b\nc\td e"), "a\\\\b\\nc\\td e");
  assert.equal(escapeField("plain/text=1"), "plain/text=1");
});

test("formatLine joins escaped fields with tabs and ends the line", () => {
  assert.equal(formatLine("arg", "sh -c 'x\ty'"), "arg\tsh -c 'x\\ty'\n");
  assert.equal(formatLine("groups"), "groups\n");
  assert.equal(formatLine("rlimit", 7, "-1", 10n), "rlimit\t7\t-1\t10\n");
});

test("parseLine reverses formatLine", () => {
  const fields = ["x\\y", "multi\nline", "tab\there", "", "\\n literal"];
  assert.deepEqual(parseLine(formatLine("t", ...fields)), ["t", ...fields]);
});

test("a NUL byte is refused, not truncated", () => {
  assert.throws(() => escapeField("a\0b"), /NUL/);
});

test("parseLine rejects unknown escapes", () => {
  assert.throws(() => parseLine("a\\qb"), /bad escape/);
});
