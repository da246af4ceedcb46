// Container logs read back from the shim's CRI log: tail, since, timestamps, partial lines,
// rotation and follow ending at the container's exit.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { containerLogs } from "../../src/engine/io/logs/containerLogs.js";
import { readLogEntries } from "../../src/engine/io/logs/readLogEntries.js";
import { existsSync, readFileSync } from "node:fs";
import { ShimAttachment } from "../../src/engine/io/attach/shimAttach.js";
import { collectText, makeIoEnv, skip, type IoEnv } from "./io-harness.js";

/** Sends a line to a container's stdin through the shim. */
async function poke(stateDir: string): Promise<void> {
  const a = await ShimAttachment.open(stateDir, { raw: false });
  await a.writeStdin(Buffer.from("go\n"));
  a.endStdin();
  setTimeout(() => a.close(), 500);
}

let env: IoEnv;
before(async () => { if (!skip) env = await makeIoEnv(); });
after(async () => { if (env) await env.cleanup(); });

const opts = (o: Partial<Parameters<typeof containerLogs>[1]> = {}) => ({ follow: false, stdout: true, stderr: true, timestamps: false, tail: "all", details: false, ...o });

test("logs: both streams, tail, timestamps, since, and an unfinished last line", { skip }, async () => {
  const c = await env.run(["sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done; sleep 0.3; echo oops >&2; sleep 0.3; printf 'no newline'"]);
  assert.equal(await c.waitExit(), 0);
  const src = { logPath: c.logPath, runtimeDir: c.stateDir };
  const all = await collectText(containerLogs(src, opts()));
  assert.equal(all.stdout, "line1\nline2\nline3\nline4\nline5\nno newline");
  assert.equal(all.stderr, "oops\n");
  // tail counts messages of both streams, then the stream filter applies (as Docker).
  const tail = await collectText(containerLogs(src, opts({ tail: "2", stderr: false })));
  assert.deepEqual(tail.all, ["no newline"]);
  const tail3 = await collectText(containerLogs(src, opts({ tail: "3" })));
  assert.equal(tail3.stdout, "line5\nno newline");
  const ts = await collectText(containerLogs(src, opts({ timestamps: true, stderr: false, tail: "1" })));
  assert.match(ts.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z no newline$/);
  const entries = [];
  for await (const e of readLogEntries({ path: c.logPath, follow: false })) entries.push(e);
  const mid = entries.find((e) => e.stream === "stderr")!;
  const since = `${mid.timeNs / 1_000_000_000n}.${String(mid.timeNs % 1_000_000_000n).padStart(9, "0")}`;
  const fromMid = await collectText(containerLogs(src, opts({ since })));
  assert.deepEqual(fromMid.all, ["oops\n", "no newline"]);
  const untilMid = await collectText(containerLogs(src, opts({ until: since })));
  assert.equal(untilMid.stdout, "line1\nline2\nline3\nline4\nline5\n");
  const future = await collectText(containerLogs(src, opts({ since: String(Math.floor(Date.now() / 1000) + 3600) })));
  assert.equal(future.all.length, 0);
});

test("logs: a line longer than the shim's 16 KiB reads comes back whole", { skip }, async () => {
  const c = await env.run(["sh", "-c", "head -c 40000 /dev/zero | tr '\\0' x; echo; echo after"]);
  assert.equal(await c.waitExit(), 0);
  const got = await collectText(containerLogs({ logPath: c.logPath, runtimeDir: c.stateDir }, opts()));
  assert.deepEqual(got.all, ["x".repeat(40000) + "\n", "after\n"]);
});

test("logs: rotated files are read oldest first; what rotated away is gone, the rest is in order", { skip }, async () => {
  const c = await env.run(["sh", "-c", "i=0; while [ $i -lt 200 ]; do echo message-$i; i=$((i+1)); done"], { logMaxSize: 2000, logMaxFiles: 3 });
  assert.equal(await c.waitExit(), 0);
  const got = await collectText(containerLogs({ logPath: c.logPath, runtimeDir: c.stateDir }, opts()));
  const nums = got.all.map((l) => Number(/^message-(\d+)\n$/.exec(l)![1]));
  assert.ok(nums.length > 20 && nums.length < 200, `kept ${nums.length} messages`);
  assert.equal(nums[nums.length - 1], 199);
  for (let i = 1; i < nums.length; i++) assert.equal(nums[i], nums[i - 1]! + 1, "no gap or reordering across rotated files");
  const tail = await collectText(containerLogs({ logPath: c.logPath, runtimeDir: c.stateDir }, opts({ tail: "50" })));
  assert.equal(tail.all.length, 50);
  assert.equal(tail.all[0], "message-150\n");
});

test("logs: follow streams new output and ends when the container exits", { skip }, async () => {
  const c = await env.run(["sh", "-c", "echo first; sleep 1; echo second; sleep 1; echo third"]);
  const got = await collectText(containerLogs({ logPath: c.logPath, runtimeDir: c.stateDir }, opts({ follow: true })));
  assert.equal(got.stdout, "first\nsecond\nthird\n");
  assert.equal(await c.waitExit(), 0);
});

test("logs: follow with tail 0 shows only new output; the abort signal ends it", { skip }, async () => {
  const c = await env.run(["sh", "-c", "echo old; read x; echo new; sleep 30"], { stdin: true, stdinOnce: true });
  // "old" is in the log before following starts; "new" comes only once we let it.
  for (let i = 0; i < 200 && (!existsSync(c.logPath) || !readFileSync(c.logPath, "utf8").includes("old")); i++) await new Promise((r) => setTimeout(r, 25));
  const ac = new AbortController();
  setTimeout(() => void poke(c.stateDir), 200);
  const seen: string[] = [];
  for await (const p of containerLogs({ logPath: c.logPath, runtimeDir: c.stateDir }, opts({ follow: true, tail: "0" }), ac.signal)) {
    seen.push(p.data.toString());
    ac.abort();
  }
  assert.deepEqual(seen, ["new\n"]);
});

test("logs: a TTY container's output is the raw terminal bytes", { skip }, async () => {
  const c = await env.run(["sh", "-c", "echo hello"], { tty: true });
  assert.equal(await c.waitExit(), 0);
  const got = await collectText(containerLogs({ logPath: c.logPath, runtimeDir: c.stateDir }, opts()));
  assert.equal(got.stdout, "hello\r\n");
});
