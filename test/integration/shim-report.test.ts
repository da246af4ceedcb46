// berth-shim create's report without --sync-fd (on stdout): the background shim writes `ok`
// itself on its own copy of the caller's fd and the original process exits 0 without adding
// anything; an error is relayed by the original process once the background shim is gone.
// Root only; plans are written by hand (native/README.md).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import {
  SHIM, assertNothingLeft, basePlan, ctl, makeSandbox, parseReport, skipReason, stateFiles, waitExit, waitGone, writePlan,
  type Sandbox,
} from "./shim-helpers.js";

const skip = skipReason();

async function readAll(r: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** create with the report on stdout; stdout is read to its end (every holder closed it). */
async function createToStdout(sb: Sandbox, plan: string) {
  const child = spawn(SHIM, ["create", "--state-dir", sb.state, "--plan", plan, "--log", sb.log], { stdio: ["ignore", "pipe", "pipe"] });
  const out = readAll(child.stdout!);
  const err = readAll(child.stderr!);
  const code = await new Promise<number | null>((res) => child.on("close", (c) => res(c)));
  return { out: await out, err: await err, code };
}

test("without --sync-fd the ok line comes on stdout exactly once and the original process exits 0", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "exit 4"));
    const r = await createToStdout(sb, plan);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ok\t\d+\t\d+\n$/);
    const rep = parseReport(r.out, r.code);
    assert.deepEqual(stateFiles(sb), ["ctl.sock", "log", "shim.pid"]);
    assert.equal(await ctl(sb, "start"), "ok");
    assert.deepEqual(await waitExit(sb.state).then((e) => [e.kind, e.value]), ["exited", 4]);
    await waitGone(rep.shimPid!);
    assert.deepEqual(stateFiles(sb), ["exit", "log", "shim.pid"]);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("without --sync-fd an error comes on stdout after the background shim is gone, exit 1, nothing left", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    // Fails in the child, after the shim made its log, ctl.sock and shim.pid.
    const plan = await writePlan(sb, basePlan(sb, "true", [["mount", "/mnt/x", "nosuchfs", "none", 0, 0, ""]]));
    const r = await createToStdout(sb, plan);
    assert.equal(r.code, 1);
    assert.match(r.out, /^error\tmount\t19\t[^\t\n]*\/mnt\/x[^\t\n]*\n$/);
    assert.deepEqual(stateFiles(sb), []);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});
