import { test } from "node:test";
import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import { OutputDemuxer, readJsonLines, readOutput, readProgress } from "./streams.js";
import { encodeFrame, STDERR, STDIN, STDOUT, SYSTEMERR } from "../api/streams/stdcopy.js";
import { buildQuery } from "./transport.js";
import { encodeImageName } from "./images.js";
import { errorFromBody } from "./errors.js";

test("JSON lines split anywhere are reassembled; CRLF and blank lines are fine", async () => {
  const text = '{"status":"a"}\r\n\r\n{"status":"b","progressDetail":{"current":1,"total":2}}\n{"status":"c"}';
  for (let size = 1; size <= text.length; size += 3) {
    const chunks = [];
    for (let i = 0; i < text.length; i += size) chunks.push(Buffer.from(text.slice(i, i + size)));
    const got = [];
    for await (const m of readJsonLines<{ status: string }>(Readable.from(chunks))) got.push(m.status);
    assert.deepEqual(got, ["a", "b", "c"], `size ${size}`);
  }
});

test("a progress stream with errorDetail throws the daemon's message after earlier messages", async () => {
  const src = Readable.from([Buffer.from('{"status":"Pulling"}\r\n{"errorDetail":{"message":"registry down"},"error":"registry down"}\r\n')]);
  const seen: string[] = [];
  await assert.rejects(async () => { for await (const m of readProgress(src)) seen.push(m.status!); }, { message: "registry down" });
  assert.deepEqual(seen, ["Pulling"]);
});

test("query building, image name encoding, error bodies", () => {
  assert.equal(buildQuery({ all: true, size: false, limit: 3, x: undefined, names: ["a", "b"] }), "?all=1&size=0&limit=3&names=a&names=b");
  assert.equal(buildQuery({}), "");
  assert.equal(encodeImageName("localhost:5000/org/app@sha256:ab"), "localhost:5000/org/app@sha256:ab");
  assert.equal(encodeImageName("we ird#x"), "we%20ird%23x");
  const e = errorFromBody(404, '{"message":"No such container: x"}');
  assert.equal(e.kind, "NotFound");
  assert.equal(e.message, "No such container: x");
  assert.equal(errorFromBody(502, "bad gateway").message, "bad gateway");
  assert.equal(errorFromBody(500, "").message, "request failed with status 500");
});

test("multiplexed output: frames of one stream in a chunk come as one run; order across streams is kept; any split works", async () => {
  const wire = Buffer.concat([
    encodeFrame(STDOUT, "a1\n"), encodeFrame(STDOUT, "a2\n"), encodeFrame(STDERR, "e1\n"), encodeFrame(STDIN, "ignored"),
    encodeFrame(STDERR, "e2\n"), encodeFrame(STDOUT, ""), encodeFrame(STDOUT, "a3\n"), encodeFrame(STDOUT, "x".repeat(300)),
  ]);
  const expected = `stdout:a1\na2\n|stderr:e1\ne2\n|stdout:a3\n${"x".repeat(300)}`;
  // One chunk: three runs, one per change of stream.
  const whole: string[] = [];
  for await (const c of readOutput(Readable.from([wire]), true)) whole.push(`${c.stream}:${c.data}`);
  assert.deepEqual(whole, ["stdout:a1\na2\n", "stderr:e1\ne2\n", `stdout:a3\n${"x".repeat(300)}`]);
  // Split anywhere (also inside headers): same bytes per stream in the same order.
  for (let size = 1; size <= wire.length; size += 7) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < wire.length; i += size) chunks.push(wire.subarray(i, i + size));
    const runs: { stream: string; data: string }[] = [];
    for await (const c of readOutput(Readable.from(chunks), true)) {
      assert.ok(c.data.length > 0, "no empty runs");
      const last = runs.at(-1);
      if (last && last.stream === c.stream) last.data += c.data.toString();
      else runs.push({ stream: c.stream, data: c.data.toString() });
    }
    assert.equal(runs.map((r) => `${r.stream}:${r.data}`).join("|"), expected, `size ${size}`);
  }
});

test("multiplexed output: a large frame over many chunks is released whole; a cut-off frame and a bad stream id fail", () => {
  const big = encodeFrame(STDERR, Buffer.alloc(200_000, 7));
  const d = new OutputDemuxer();
  for (let i = 0; i + 1000 < big.length; i += 1000) assert.deepEqual(d.push(big.subarray(i, i + 1000)), []);
  const runs = d.push(Buffer.concat([big.subarray(Math.floor((big.length - 1) / 1000) * 1000), encodeFrame(STDOUT, "tail")]));
  assert.deepEqual(runs.map((r) => [r.stream, r.data.length]), [["stderr", 200_000], ["stdout", 4]]);
  d.finish();

  const cut = new OutputDemuxer();
  assert.deepEqual(cut.push(encodeFrame(STDOUT, "hello").subarray(0, 10)), []);
  assert.throws(() => cut.finish(), /stream ended inside a frame \(10 bytes left over\)/);
  assert.throws(() => new OutputDemuxer().push(Buffer.from("HTTP/1.1 200 OK\r\n")), /unknown stream id 72/);
});

test("multiplexed output: a systemerr frame ends the stream after the output before it in the same chunk", async () => {
  const wire = Buffer.concat([encodeFrame(STDOUT, "a"), encodeFrame(STDERR, "b"), encodeFrame(SYSTEMERR, "disk on fire\n"), encodeFrame(STDOUT, "never")]);
  const seen: string[] = [];
  await assert.rejects(async () => { for await (const c of readOutput(Readable.from([wire]), true)) seen.push(`${c.stream}:${c.data}`); }, { message: "error from daemon in stream: disk on fire" });
  assert.deepEqual(seen, ["stdout:a", "stderr:b"]);
});
