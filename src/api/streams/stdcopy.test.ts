import { test } from "node:test";
import { strict as assert } from "node:assert";
import { PassThrough, Readable } from "node:stream";
import { encodeFrame, FrameDecoder, frameWriter, STDERR, STDOUT, SYSTEMERR } from "./stdcopy.js";
import { readOutput } from "../../client/streams.js";

test("frame header is id, three zero bytes, big-endian length", () => {
  const f = encodeFrame(STDERR, "hi");
  assert.deepEqual([...f], [2, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]);
  const big = encodeFrame(STDOUT, Buffer.alloc(0x010203));
  assert.deepEqual([...big.subarray(0, 8)], [1, 0, 0, 0, 0, 0x01, 0x02, 0x03]);
});

test("decoder reassembles frames split at every possible byte boundary", () => {
  const wire = Buffer.concat([encodeFrame(STDOUT, "hello "), encodeFrame(STDERR, "err"), encodeFrame(STDOUT, ""), encodeFrame(STDOUT, "world")]);
  for (let size = 1; size <= wire.length; size++) {
    const dec = new FrameDecoder();
    const frames = [];
    for (let i = 0; i < wire.length; i += size) frames.push(...dec.push(wire.subarray(i, i + size)));
    dec.finish();
    assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [[1, "hello "], [2, "err"], [1, ""], [1, "world"]], `chunk size ${size}`);
  }
});

test("decoder refuses a stream that ends inside a frame or is not multiplexed", () => {
  const dec = new FrameDecoder();
  dec.push(encodeFrame(STDOUT, "abcdef").subarray(0, 10));
  assert.equal(dec.buffered, 10);
  assert.throws(() => dec.finish(), /ended inside a frame/);
  assert.throws(() => new FrameDecoder().push(Buffer.from("plain text, no frames")), /unknown stream id/);
});

test("frame writers share a connection and the client demuxes them; systemerr ends with the error", async () => {
  const wire = new PassThrough();
  const out = frameWriter(wire, STDOUT);
  const err = frameWriter(wire, STDERR);
  out.write("one\n");
  err.write("two\n");
  out.write("three\n");
  await new Promise<void>((r) => out.end(r));
  await new Promise<void>((r) => err.end(r));
  assert.equal(wire.writableEnded, false, "ending a stream writer leaves the connection open");
  wire.end();
  const got: string[] = [];
  for await (const c of readOutput(wire, true)) got.push(`${c.stream}:${c.data}`);
  assert.deepEqual(got, ["stdout:one\n", "stderr:two\n", "stdout:three\n"]);

  const withError = Readable.from([encodeFrame(STDOUT, "x"), encodeFrame(SYSTEMERR, "disk on fire\n")]);
  const seen: string[] = [];
  await assert.rejects(async () => { for await (const c of readOutput(withError, true)) seen.push(c.data.toString()); }, /error from daemon in stream: disk on fire/);
  assert.deepEqual(seen, ["x"]);
});
