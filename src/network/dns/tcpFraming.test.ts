import { test } from "node:test";
import { strict as assert } from "node:assert";
import { FrameReader, frame } from "./tcpFraming.js";

test("frames survive any chunking, including several per chunk and byte-by-byte", () => {
  const msgs = [Buffer.from("first"), Buffer.alloc(0), Buffer.alloc(300, 7), Buffer.from("last")];
  const stream = Buffer.concat(msgs.map(frame));
  assert.equal(frame(Buffer.alloc(300)).readUInt16BE(0), 300);
  for (const size of [1, 2, 3, 7, stream.length]) {
    const r = new FrameReader();
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) got.push(...r.push(stream.subarray(i, i + size)));
    assert.deepEqual(got, msgs, `chunk size ${size}`);
    assert.equal(r.buffered, 0);
  }
  const partial = new FrameReader();
  assert.deepEqual(partial.push(Buffer.from([0, 5, 1, 2])), []);
  assert.equal(partial.buffered, 4);
});
