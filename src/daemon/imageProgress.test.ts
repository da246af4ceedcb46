import { test } from "node:test";
import { strict as assert } from "node:assert";
import { goHumanSize, progressBar, progressMessage } from "./imageProgress.js";

test("go-units HumanSize and moby's progress bar", () => {
  assert.equal(goHumanSize(0), "0B");
  assert.equal(goHumanSize(512), "512B");
  assert.equal(goHumanSize(1234567), "1.235MB");
  assert.equal(goHumanSize(32768), "32.77kB");
  assert.equal(progressBar(5, 10), `[${"=".repeat(25)}>${" ".repeat(25)}]       5B/10B`);
  assert.equal(progressBar(10, 10), `[${"=".repeat(50)}>]      10B/10B`);
  assert.equal(progressBar(0, 0), "");
  assert.equal(progressBar(2000, undefined), "     2kB");
});

test("registry events as Docker's JSON messages", () => {
  assert.deepEqual(progressMessage({ status: "Pulling from", detail: "library/busybox" }, "latest"), { status: "Pulling from library/busybox", id: "latest" });
  assert.deepEqual(progressMessage({ status: "Pulling fs layer", id: "abc" }, "latest"), { status: "Pulling fs layer", progressDetail: {}, id: "abc" });
  const d = progressMessage({ status: "Downloading", id: "abc", current: 1, total: 2 }, "latest");
  assert.deepEqual(d.progressDetail, { current: 1, total: 2 });
  assert.match(d.progress!, /^\[=+>\s+\]\s+1B\/2B$/);
  assert.deepEqual(progressMessage({ status: "Digest", detail: "sha256:x" }, "latest"), { status: "Digest: sha256:x" });
  assert.deepEqual(progressMessage({ status: "The push refers to repository", detail: "[h/r]" }, ""), { status: "The push refers to repository [h/r]" });
});
