import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CriChunkParser, parseCriLines, type CriRecordVisitor, type LogStreamId } from "./criChunkParser.js";
import { parseCriRecord } from "./criRecord.js";
import { LogBatchEncoder } from "./logBatchEncoder.js";
import { LogMessageAssembler, type LogSink } from "./logMessages.js";
import { compareRecordTime, parseRfc3339Ns, timeBound } from "./logTime.js";
import { containerLogBatches, containerLogs, type ContainerLogsRequest } from "./containerLogs.js";

const ts = (s: number, ns = 0) => new Date(Date.UTC(2026, 0, 2, 3, 4, s)).toISOString().replace(/\.\d{3}Z$/, `.${String(ns).padStart(9, "0")}Z`);
const rec = (s: number, stream: string, tag: "F" | "P", text: string) => `${ts(s)} ${stream} ${tag} ${text}\n`;

/** Records as the old line parser (parseCriRecord) describes them: the oracle. */
function viaOldParser(text: Buffer): string[] {
  const out: string[] = [];
  let start = 0;
  for (let nl = text.indexOf(0x0a); nl >= 0; nl = text.indexOf(0x0a, start)) {
    const r = parseCriRecord(text.subarray(start, nl));
    if (r) out.push(`${r.timestamp}|${r.stream}|${r.partial ? "P" : "F"}|${r.content.toString("latin1")}`);
    start = nl + 1;
  }
  return out;
}

class RecordList implements CriRecordVisitor {
  readonly out: string[] = [];
  record(buf: Buffer, tsStart: number, tsEnd: number, stream: LogStreamId, partial: boolean, contentStart: number, contentEnd: number): void {
    assert.equal(buf[contentEnd], 0x0a, "the content is followed by its newline");
    this.out.push(`${buf.toString("latin1", tsStart, tsEnd)}|${stream === 1 ? "stdout" : "stderr"}|${partial ? "P" : "F"}|${buf.toString("latin1", contentStart, contentEnd)}`);
  }
}

const MIXED = Buffer.concat([
  Buffer.from(rec(1, "stdout", "F", "hello world") + rec(2, "stderr", "P", "part ") + rec(3, "stderr", "F", "end")),
  Buffer.from(`${ts(4)} stdout F\n`), // an empty line: "F" with no space after it
  Buffer.from(`${ts(5)} stdout F \n`), // an empty line written with the space
  Buffer.from(`${ts(6)} stdin F nope\n${ts(7)} stdout X nope\n${ts(8)} stdoutF nope\n\n nope\nnospace\n${ts(9)} stdout\n${ts(9)} stdout \n`),
  Buffer.from(`2026-01-02 03:04:05Z stdout F odd time\n${ts(10)} stderr F two  spaces \r\n`),
  Buffer.from([...Buffer.from(`${ts(11)} stdout F `), 0xff, 0x00, 0xc3, 0x0a]), // not UTF-8
]);

test("chunk parser: the same records as the line parser, malformed lines skipped", () => {
  const v = new RecordList();
  const rest = parseCriLines(MIXED, 0, MIXED.length, v);
  assert.equal(rest, MIXED.length);
  assert.deepEqual(v.out, viaOldParser(MIXED));
  assert.equal(v.out.length, 7);
});

/** Feeds through one reused buffer, scribbled over after each feed, as the log scanner's reads do. */
function feedReused(p: CriChunkParser, scratch: Buffer, piece: Buffer): void {
  piece.copy(scratch);
  p.feed(scratch.subarray(0, piece.length));
  scratch.fill(0x0a);
}

test("chunk parser: lines split across chunk borders anywhere, including 1-byte chunks", () => {
  const whole = viaOldParser(MIXED);
  const scratch = Buffer.alloc(MIXED.length);
  for (let cut = 0; cut <= MIXED.length; cut++) {
    const v = new RecordList();
    const p = new CriChunkParser(v);
    feedReused(p, scratch, MIXED.subarray(0, cut));
    feedReused(p, scratch, MIXED.subarray(cut));
    assert.deepEqual(v.out, whole, `split at ${cut}`);
    assert.equal(p.pendingBytes, 0);
  }
  const v = new RecordList();
  const p = new CriChunkParser(v);
  for (let i = 0; i < MIXED.length; i++) feedReused(p, scratch, MIXED.subarray(i, i + 1));
  assert.deepEqual(v.out, whole);
});

test("chunk parser: an incomplete last line is held back until its newline, and reset drops it", () => {
  const v = new RecordList();
  const p = new CriChunkParser(v);
  const line = rec(1, "stdout", "F", "abc");
  p.feed(Buffer.from(line.slice(0, 20)));
  p.feed(Buffer.from(line.slice(20, -1)));
  assert.deepEqual(v.out, []);
  assert.equal(p.pendingBytes, line.length - 1);
  p.reset();
  assert.equal(p.pendingBytes, 0);
  p.feed(Buffer.from(line));
  assert.deepEqual(v.out, [`${ts(1)}|stdout|F|abc`]);
});

/** A sink that keeps messages as text. */
class TextSink implements LogSink {
  readonly out: string[] = [];
  message(stream: LogStreamId, data: Buffer, start: number, end: number, t: Buffer, tsStart: number, tsEnd: number): void {
    this.out.push(`${stream}|${t.toString("latin1", tsStart, tsEnd)}|${data.toString("latin1", start, end)}`);
  }
}

test("messages: P records joined across chunk borders per stream, stamped with the first piece; unfinished lines flushed", () => {
  const text = Buffer.from(
    rec(1, "stdout", "P", "long ") + rec(2, "stderr", "P", "err ") + rec(3, "stdout", "P", "line ") +
    rec(4, "stderr", "F", "done") + rec(5, "stdout", "F", "here") + rec(6, "stdout", "F", "") + rec(7, "stderr", "P", "prompt> "),
  );
  const expected = [`1|${ts(1)}|long line here\n`, `2|${ts(2)}|err done\n`, `1|${ts(6)}|\n`, `2|${ts(7)}|prompt> `];
  for (let cut = 0; cut <= text.length; cut += 7) {
    const sink = new TextSink();
    const asm = new LogMessageAssembler(sink, { stdout: true, stderr: true });
    const p = new CriChunkParser(asm);
    const scratch = Buffer.alloc(text.length);
    feedReused(p, scratch, text.subarray(0, cut));
    feedReused(p, scratch, text.subarray(cut));
    asm.flush();
    assert.deepEqual(sink.out.sort(), [...expected].sort(), `split at ${cut}`);
  }
  // Stream selection and time bounds: until ends the log even on a stream not shown.
  const sink = new TextSink();
  const asm = new LogMessageAssembler(sink, { stdout: true, stderr: false, sinceNs: parseRfc3339Ns(ts(3))!, untilNs: parseRfc3339Ns(ts(5))! });
  new CriChunkParser(asm).feed(Buffer.from(rec(1, "stdout", "F", "a") + rec(3, "stdout", "F", "b") + rec(4, "stderr", "F", "c") + rec(5, "stdout", "F", "d") + rec(6, "stderr", "F", "e") + rec(7, "stdout", "F", "f")));
  assert.deepEqual(sink.out, [`1|${ts(3)}|b\n`, `1|${ts(5)}|d\n`]);
  assert.equal(asm.past, true);
});

test("record times compare like parseRfc3339Ns, fixed form or not", () => {
  const times = [ts(5, 123), ts(5, 124), ts(6), "2026-01-02T04:04:05.000000123+01:00", "2026-01-02t03:04:05.1Z", "garbage", "1969-12-31T23:59:59.999999999Z", "2026-13-02T03:04:05.000000000Z"];
  const bounds = [parseRfc3339Ns(ts(5, 123))!, parseRfc3339Ns(ts(5, 124))!, 0n, -1n, -1_500_000_000n, 1_767_323_045_100_000_000n];
  for (const bound of bounds) {
    // One bound object for all times, as a log read uses it (it remembers the last second).
    const tb = timeBound(bound);
    for (const t of [...times, ...times.reverse()]) {
      const b = Buffer.from(`xx${t}yy`);
      const exact = parseRfc3339Ns(t) ?? 0n;
      const want = exact < bound ? -1 : exact > bound ? 1 : 0;
      assert.equal(Math.sign(compareRecordTime(b, 2, 2 + t.length, tb)), want, `${t} vs ${bound}`);
    }
  }
});

/** Decodes stdcopy frames back into "stream|payload" strings. */
function frames(bufs: Buffer[]): string[] {
  const all = Buffer.concat(bufs);
  const out: string[] = [];
  for (let pos = 0; pos < all.length;) {
    assert.deepEqual([...all.subarray(pos + 1, pos + 4)], [0, 0, 0]);
    const len = all.readUInt32BE(pos + 4);
    out.push(`${all[pos]}|${all.toString("latin1", pos + 8, pos + 8 + len)}`);
    pos += 8 + len;
  }
  return out;
}

test("batch encoder: one frame per message, prefixes, batches never above the size unless one message is", () => {
  const enc = new LogBatchEncoder({ framed: true, timestamps: true, details: true, batchBytes: 64 });
  const t = Buffer.from(ts(1));
  const big = Buffer.alloc(100, 0x61);
  enc.message(1, Buffer.from("xxhi\n"), 2, 5, t, 0, t.length);
  enc.message(2, big, 0, big.length, t, 0, t.length);
  enc.message(1, Buffer.from("bye\n"), 0, 4, t, 0, t.length);
  const done = enc.take(false);
  assert.equal(done.length, 2);
  const rest = enc.take(true);
  assert.equal(rest.length, 1);
  assert.ok(rest[0]!.length <= 64);
  assert.deepEqual(frames([...done, ...rest]), [`1|${ts(1)}  hi\n`, `2|${ts(1)}  ${"a".repeat(100)}`, `1|${ts(1)}  bye\n`]);
  const raw = new LogBatchEncoder({ framed: false, timestamps: false, details: false });
  raw.message(1, Buffer.from("a\r\n"), 0, 3, t, 0, t.length);
  raw.message(2, Buffer.from("b"), 0, 1, t, 0, t.length);
  assert.deepEqual(Buffer.concat(raw.take(true)).toString(), "a\r\nb");
  assert.deepEqual(raw.take(true), []);
});

test("containerLogBatches gives the bytes containerLogs describes, for each option", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-logbatch-"));
  try {
    const path = join(dir, "log");
    await writeFile(`${path}.1`, rec(1, "stdout", "F", "one") + rec(2, "stderr", "P", "tw"));
    let text = rec(3, "stderr", "F", "o");
    for (let i = 0; i < 5000; i++) text += rec(4 + (i % 50), i % 3 ? "stdout" : "stderr", i % 7 ? "F" : "P", `line ${i}`);
    await writeFile(path, text + rec(59, "stdout", "P", "prompt> "));
    const src = { logPath: path, runtimeDir: dir, finished: async () => true };
    const base: ContainerLogsRequest = { follow: false, stdout: true, stderr: true, timestamps: false, tail: "all", details: false };
    const variants: Partial<ContainerLogsRequest>[] = [
      {}, { timestamps: true }, { details: true, timestamps: true }, { stdout: false }, { stderr: false }, { tail: "10" }, { tail: "0" },
      { since: "2026-01-02T03:04:10Z", until: "2026-01-02T03:04:20.5Z" }, { follow: true, tail: "3" },
    ];
    for (const v of variants) {
      const req = { ...base, ...v };
      const want: string[] = [];
      for await (const p of containerLogs(src, req)) want.push(`${p.stream === "stdout" ? 1 : 2}|${p.data.toString("latin1")}`);
      const got: Buffer[] = [];
      for await (const b of containerLogBatches(src, req, true)) got.push(b);
      assert.deepEqual(frames(got), want, JSON.stringify(v));
      const raw: Buffer[] = [];
      for await (const b of containerLogBatches(src, req, false)) raw.push(b);
      assert.equal(Buffer.concat(raw).toString("latin1"), want.map((w) => w.slice(2)).join(""), JSON.stringify(v));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
