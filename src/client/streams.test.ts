import { test } from "node:test";
import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import { readJsonLines, readProgress } from "./streams.js";
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
