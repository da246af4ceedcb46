import { test } from "node:test";
import { strict as assert } from "node:assert";
import { DetachScanner, parseDetachKeys } from "./detachKeys.js";
import { ShimFrameDecoder } from "./shimAttach.js";

test("detach keys: Docker's notation", () => {
  assert.deepEqual([...parseDetachKeys("ctrl-p,ctrl-q")], [16, 17]);
  assert.deepEqual([...parseDetachKeys("a,ctrl-@,ctrl-[,ctrl-_")], [97, 0, 27, 31]);
  assert.throws(() => parseDetachKeys("ctrl-1"), /Invalid detach keys \(ctrl-1\) provided/);
  assert.throws(() => parseDetachKeys("abc"), /Invalid detach keys/);
});

test("detach scanner: holds a possible prefix back, releases it on mismatch, detaches on a full match", () => {
  const s = new DetachScanner(parseDetachKeys("ctrl-p,ctrl-q"));
  assert.deepEqual(s.feed(Buffer.from("ab\x10")), { pass: Buffer.from("ab"), detach: false });
  assert.deepEqual(s.feed(Buffer.from("c")), { pass: Buffer.from("\x10c"), detach: false });
  assert.deepEqual(s.feed(Buffer.from("\x10\x10")), { pass: Buffer.from("\x10"), detach: false });
  assert.deepEqual(s.feed(Buffer.from("\x11rest")), { pass: Buffer.from(""), detach: true });
});

test("shim frames: 5-byte headers, split anywhere", () => {
  const frame = (stream: number, text: string) => Buffer.concat([Buffer.from([stream, 0, 0, 0, text.length]), Buffer.from(text)]);
  const all = Buffer.concat([frame(1, "out"), frame(2, "err"), frame(1, "")]);
  const d = new ShimFrameDecoder();
  const got = [...all].flatMap((b) => d.push(Buffer.from([b])));
  assert.deepEqual(got.map((o) => `${o.stream}:${o.data}`), ["stdout:out", "stderr:err", "stdout:"]);
});
