import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isValidId, validateId } from "./ids.js";

test("ids that are safe path components are accepted", () => {
  for (const id of ["a", "berth-test-1", "A_b.c+d", "0123456789abcdef"]) assert.ok(isValidId(id), id);
});

test("ids that could escape a directory or are empty are refused", () => {
  for (const id of ["", ".", "..", ".hidden", "a/b", "a b", "x\n", "é", "a".repeat(1025)]) assert.equal(isValidId(id), false, JSON.stringify(id));
  assert.throws(() => validateId("../x"), (e: Error) => /invalid container id "..\/x"/.test(e.message));
});
