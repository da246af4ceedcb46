import { test } from "node:test";
import { strict as assert } from "node:assert";
import { appendFile, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readLogEntries, type LogEntry } from "./readLogEntries.js";
import { containerLogs, parseTail } from "./containerLogs.js";
import { parseLogTimeBound, parseRfc3339Ns } from "./logTime.js";

const ts = (s: number, ns = 0) => new Date(Date.UTC(2026, 0, 2, 3, 4, s)).toISOString().replace(/\.\d{3}Z$/, `.${String(ns).padStart(9, "0")}Z`);
const rec = (s: number, stream: string, tag: "F" | "P", text: string) => `${ts(s)} ${stream} ${tag} ${text}\n`;

async function collect(it: AsyncIterable<LogEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of it) out.push(`${e.stream}:${e.data.toString()}`);
  return out;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-logs-"));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

test("time bounds: unix seconds with fraction and RFC 3339", () => {
  assert.equal(parseLogTimeBound("1700000000.5", "since"), 1_700_000_000_500_000_000n);
  assert.equal(parseLogTimeBound("0", "since"), undefined);
  assert.equal(parseLogTimeBound("2026-01-02T03:04:05.000000123Z", "until"), parseRfc3339Ns("2026-01-02T03:04:05.000000123Z"));
  assert.equal(parseRfc3339Ns("2026-01-02T04:04:05+01:00"), parseRfc3339Ns("2026-01-02T03:04:05Z"));
  assert.throws(() => parseLogTimeBound("yesterday", "since"), /invalid value for "since"/);
  assert.equal(parseTail("all"), undefined);
  assert.equal(parseTail("3"), 3);
  assert.throws(() => parseTail("x"), /tail/);
});

test("partial records are joined, rotated files read oldest first, tail counts messages", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "log");
    await writeFile(`${path}.2`, rec(1, "stdout", "F", "one") + rec(2, "stderr", "F", "two"));
    await writeFile(`${path}.1`, rec(3, "stdout", "P", "thr") + rec(4, "stdout", "F", "ee"));
    await writeFile(path, rec(5, "stdout", "F", "") + rec(6, "stdout", "F", "six") + rec(7, "stdout", "P", "prompt> "));
    assert.deepEqual(await collect(readLogEntries({ path, follow: false })), ["stdout:one\n", "stderr:two\n", "stdout:three\n", "stdout:\n", "stdout:six\n", "stdout:prompt> "]);
    assert.deepEqual(await collect(readLogEntries({ path, follow: false, tail: 3 })), ["stdout:\n", "stdout:six\n", "stdout:prompt> "]);
    assert.deepEqual(await collect(readLogEntries({ path, follow: false, tail: 0 })), []);
    assert.deepEqual(await collect(readLogEntries({ path, follow: false, tail: 100 })), await collect(readLogEntries({ path, follow: false })));
    const since = parseRfc3339Ns(ts(3))!;
    const until = parseRfc3339Ns(ts(5))!;
    assert.deepEqual(await collect(readLogEntries({ path, follow: false, sinceNs: since, untilNs: until })), ["stdout:three\n", "stdout:\n"]);
  });
});

test("tail reads a large log from its end", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "log");
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(`${ts(i % 60, i)} stdout F line ${i}\n`);
    await writeFile(path, lines.join(""));
    assert.deepEqual(await collect(readLogEntries({ path, follow: false, tail: 2 })), ["stdout:line 99998\n", "stdout:line 99999\n"]);
  });
});

test("follow sees new records and rotation, and ends once the output is finished", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "log");
    const runtimeDir = join(dir, "rt");
    await writeFile(path, rec(1, "stdout", "F", "a"));
    await import("node:fs/promises").then((f) => f.mkdir(runtimeDir));
    await writeFile(join(runtimeDir, "ctl.sock"), "");
    const got: string[] = [];
    const reading = (async () => {
      for await (const p of containerLogs({ logPath: path, runtimeDir }, { follow: true, stdout: true, stderr: false, timestamps: true, tail: "all", details: false })) {
        got.push(p.data.toString());
        if (got.length === 1) {
          await appendFile(path, rec(2, "stderr", "F", "hidden") + rec(3, "stdout", "F", "b"));
        } else if (got.length === 2) {
          await rename(path, `${path}.1`);
          await appendFile(`${path}.1`, rec(4, "stdout", "F", "c"));
          await writeFile(path, rec(5, "stdout", "F", "d"));
        } else if (got.length === 4) {
          await writeFile(join(runtimeDir, "exit"), "exited\t0\t1\n");
        }
      }
    })();
    await reading;
    assert.deepEqual(got, [`${ts(1)} a\n`, `${ts(3)} b\n`, `${ts(4)} c\n`, `${ts(5)} d\n`]);
  });
});

test("follow stops when the signal fires", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "log");
    await writeFile(path, rec(1, "stdout", "F", "a"));
    await writeFile(join(dir, "ctl.sock"), "");
    const ac = new AbortController();
    const got: string[] = [];
    for await (const p of containerLogs({ logPath: path, runtimeDir: dir }, { follow: true, stdout: true, stderr: true, timestamps: false, tail: "1", details: false }, ac.signal)) {
      got.push(p.data.toString());
      ac.abort();
    }
    assert.deepEqual(got, ["a\n"]);
  });
});
