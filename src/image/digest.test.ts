import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../errors/EngineError.js";
import { Digester, isValidDigest, parseDigest, sha256Digest } from "./digest.js";

const EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

test("digest: sha256 of known input", () => {
  assert.equal(sha256Digest(""), EMPTY);
  const d = new Digester();
  d.update(Buffer.from("a"));
  d.update(Buffer.from("bc"));
  assert.equal(d.size, 3);
  assert.equal(d.digest(), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("digest: parse accepts sha256/sha512 lower-case hex of exact length", () => {
  assert.deepEqual(parseDigest(EMPTY), { algorithm: "sha256", hex: EMPTY.slice(7) });
  assert.equal(isValidDigest(`sha512:${"a".repeat(128)}`), true);
});

test("digest: parse rejects wrong case, length, algorithm, separators and traversal", () => {
  for (const bad of [EMPTY.toUpperCase(), `sha256:${"A".repeat(64)}`, `sha256:${"a".repeat(63)}`, `sha256:${"a".repeat(65)}`, `sha512:${"a".repeat(64)}`, `md5:${"a".repeat(32)}`, "sha256", ":abc", `sha256:../${"a".repeat(61)}`, ""]) {
    assert.equal(isValidDigest(bad), false, bad);
    assert.throws(() => parseDigest(bad), (e) => isEngineError(e, "InvalidArgument"));
  }
});
