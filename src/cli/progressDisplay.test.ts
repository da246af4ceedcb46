import { test } from "node:test";
import { strict as assert } from "node:assert";
import { PassThrough } from "node:stream";
import type { JSONMessage } from "../api/types/progress.js";
import { displayProgress } from "./progressDisplay.js";

async function render(msgs: JSONMessage[], tty: boolean): Promise<string> {
  const out = Object.assign(new PassThrough(), { isTTY: tty });
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  await displayProgress((async function* () { yield* msgs; })(), out);
  return Buffer.concat(chunks).toString("utf8");
}

const pull: JSONMessage[] = [
  { status: "Pulling from library/busybox", id: "latest" },
  { status: "Pulling fs layer", progressDetail: {}, id: "aaa" },
  { status: "Downloading", progressDetail: { current: 5, total: 10 }, progress: "[=====>     ] 5B/10B", id: "aaa" },
  { status: "Pull complete", progressDetail: {}, id: "aaa" },
  { status: "Digest: sha256:x" },
  { stream: "Loaded image: x\n" },
];

test("without a terminal: one line per message, byte progress left out", async () => {
  assert.equal(await render(pull, false), "latest: Pulling from library/busybox\naaa: Pulling fs layer\naaa: Pull complete\nDigest: sha256:x\nLoaded image: x\n");
});

test("on a terminal: a layer's line is redrawn in place with its bar", async () => {
  const out = await render(pull, true);
  assert.match(out, /^latest: Pulling from library\/busybox\n\n\x1b\[1A\x1b\[2K\raaa: Pulling fs layer \r\x1b\[1B/);
  assert.ok(out.includes("\x1b[1A\x1b[2K\raaa: Downloading [=====>     ] 5B/10B\r\x1b[1B"));
  assert.ok(out.endsWith("Digest: sha256:x\nLoaded image: x\n"));
});
