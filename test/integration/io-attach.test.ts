// Attach through the shim's ctl.sock: framed output, stdin with half-close, detach keys, log
// replay, and the daemon adapter connecting at shim-ready (docker run / docker start -a).
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runAttachSession } from "../../src/engine/io/attach/attachSession.js";
import { containerStreams } from "../../src/daemon/containerStreams.js";
import { startContainer } from "../../src/runtime/lifecycle/start.js";
import type { ImageService } from "../../src/image/ImageService.js";
import { fakeClient, makeIoEnv, skip, type IoEnv } from "./io-harness.js";

let env: IoEnv;
before(async () => { if (!skip) env = await makeIoEnv(); });
after(async () => { if (env) await env.cleanup(); });

const all = { logs: false, stream: true, stdin: true, stdout: true, stderr: true };

test("attach: stdout and stderr apart, stdin passed, the client's half-close ends stdin (stdin_once)", { skip }, async () => {
  const c = await env.run(["sh", "-c", "read x; echo out-$x; echo err-$x >&2; cat; echo done"], { stdin: true, stdinOnce: true });
  const client = fakeClient();
  const ac = new AbortController();
  const session = runAttachSession({ stateDir: c.stateDir, logPath: c.logPath, tty: false }, all, client.open(false), ac.signal);
  client.stdin.write("hello\n");
  await client.waitFor("out-hello\n");
  client.stdin.end("rest");
  assert.equal(await session, "exited");
  assert.equal(client.stdout(), "out-hello\nrestdone\n");
  assert.equal(client.stderr(), "err-hello\n");
  assert.equal(await c.waitExit(), 0);
});

test("attach: the detach keys end the session and the container keeps running", { skip }, async () => {
  const c = await env.run(["cat"], { stdin: true, stdinOnce: false });
  const client = fakeClient();
  const session = runAttachSession({ stateDir: c.stateDir, logPath: c.logPath, tty: false }, { ...all, detachKeys: "ctrl-x,y" }, client.open(false), new AbortController().signal);
  client.stdin.write("abc\n");
  await client.waitFor("abc\n");
  client.stdin.write(Buffer.from([0x18, 0x79]));
  assert.equal(await session, "detached");
  assert.ok(existsSync(join(c.stateDir, "ctl.sock")), "the container still runs");
  assert.ok(!existsSync(join(c.stateDir, "exit")));
  // A new attach still works and sees new output; without stdin_once its half-close leaves
  // cat running, so this session ends when the client goes away.
  const again = fakeClient();
  const ac = new AbortController();
  const s2 = runAttachSession({ stateDir: c.stateDir, logPath: c.logPath, tty: false }, all, again.open(false), ac.signal);
  again.stdin.end("second\n");
  await again.waitFor("second\n");
  ac.abort();
  assert.equal(await s2, "aborted");
  assert.equal(again.stdout(), "second\n");
  assert.ok(existsSync(join(c.stateDir, "ctl.sock")), "the container still runs");
});

test("attach: logs=true replays the log; a stopped container then ends the session", { skip }, async () => {
  const c = await env.run(["sh", "-c", "echo before; echo warn >&2"]);
  assert.equal(await c.waitExit(), 0);
  const client = fakeClient();
  const end = await runAttachSession({ stateDir: c.stateDir, logPath: c.logPath, tty: false }, { ...all, logs: true, stdin: false }, client.open(false), new AbortController().signal);
  assert.equal(end, "not-running");
  assert.equal(client.stdout(), "before\n");
  assert.equal(client.stderr(), "warn\n");
});

test("attach: a terminal container's raw output and input", { skip }, async () => {
  const c = await env.run(["sh", "-c", "read x; echo got-$x"], { tty: true, stdin: true });
  const client = fakeClient();
  const session = runAttachSession({ stateDir: c.stateDir, logPath: c.logPath, tty: true }, all, client.open(true), new AbortController().signal);
  client.stdin.write("yes\r");
  assert.equal(await session, "exited");
  assert.match(client.stdout(), /got-yes\r\n/);
});

test("attach adapter: attaching to a created container connects at shim-ready, so the first output is seen", { skip }, async () => {
  const c = await env.run(["sh", "-c", "echo hi; echo there >&2"], { start: false });
  const hooks: ((dir: string) => Promise<void>)[] = [];
  const lookup = { ...env.lookup, get: env.lookup.get, runtimeDir: env.lookup.runtimeDir, onShimReady: (_id: string, h: (dir: string) => Promise<void>) => { hooks.push(h); return () => {}; } };
  const streams = containerStreams({ lookup, runtime: env.rt.ctx, images: {} as ImageService });
  const client = fakeClient();
  const attached = streams.attach(c.id, { stream: true, logs: false, stdin: false, stdout: true, stderr: true }, (tty) => client.open(tty), new AbortController().signal);
  // The engine's start: the shim is up (create), hooks run, then the process starts.
  while (hooks.length === 0) await new Promise((r) => setTimeout(r, 5));
  await hooks[0]!(c.stateDir);
  await startContainer(env.rt.ctx, c.id);
  await attached;
  assert.equal(client.tty, false);
  assert.equal(client.stdout(), "hi\n");
  assert.equal(client.stderr(), "there\n");
});

test("resize: a terminal container's size through the adapter; a non-terminal one is a no-op", { skip }, async () => {
  const c = await env.run(["sh", "-c", "read x; stty size"], { tty: true, stdin: true });
  const streams = containerStreams({ lookup: env.lookup, runtime: env.rt.ctx, images: {} as ImageService });
  await streams.resize(c.id, 40, 120);
  const client = fakeClient();
  const session = runAttachSession({ stateDir: c.stateDir, logPath: c.logPath, tty: true }, all, client.open(true), new AbortController().signal);
  client.stdin.write("go\r");
  assert.equal(await session, "exited");
  assert.match(client.stdout(), /40 120\r\n/);
  const plain = await env.run(["sleep", "300"]);
  await streams.resize(plain.id, 10, 10);
  const stopped = await env.run(["true"]);
  await stopped.waitExit();
  await assert.rejects(streams.resize(stopped.id, 10, 10), /is not running/);
});
