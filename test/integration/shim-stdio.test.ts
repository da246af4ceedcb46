// berth-shim stdio: attach (framed pipes, stdin, half-close), several attach clients, terminal
// with resize, the console socket, and the CRI log (partial lines, rotation).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Socket } from "node:net";
import {
  assertNothingLeft, basePlan, createShim, ctl, ctlConnect, logLines, makeSandbox, parseLog, readLine, readLog, readToEnd, skipReason,
  waitExit, waitFor, waitGone, writePlan,
} from "./shim-helpers.js";
import { readFile } from "node:fs/promises";

const skip = skipReason();

/** Splits the attach stream of pipes mode into per-stream text. */
function unframe(buf: Buffer): { stdout: string; stderr: string } {
  let out = "", err = "";
  let i = 0;
  while (i < buf.length) {
    assert.ok(i + 5 <= buf.length, "truncated frame header");
    const stream = buf[i];
    const len = buf.readUInt32BE(i + 1);
    assert.ok(i + 5 + len <= buf.length, "truncated frame");
    const data = buf.subarray(i + 5, i + 5 + len).toString("utf8");
    if (stream === 1) out += data;
    else if (stream === 2) err += data;
    else assert.fail(`bad stream byte ${stream}`);
    i += 5 + len;
  }
  return { stdout: out, stderr: err };
}

async function attach(state: string): Promise<Socket> {
  const s = await ctlConnect(state);
  s.write("attach\n");
  assert.equal(await readLine(s), "ok");
  return s;
}

test("attach: framed stdout/stderr, input to stdin, half-close closes stdin with stdin_once", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "read line; echo got:$line; echo err-$line >&2; cat; echo after-eof", [["stdin", 1], ["stdin_once", 1]]));
    const r = await createShim(sb, plan);
    assert.equal(r.ok, true, r.line);
    const a = await attach(sb.state);
    const all = readToEnd(a);
    assert.equal(await ctl(sb, "start"), "ok");
    a.end("hello\nrest of input");
    const got = unframe(await all);
    assert.equal(got.stdout, "got:hello\nrest of inputafter-eof\n");
    assert.equal(got.stderr, "err-hello\n");
    assert.equal((await waitExit(sb.state)).value, 0);
    await waitGone(r.shimPid!);
    const log = await readLog(sb.log);
    assert.deepEqual(logLines(log, "stdout"), ["got:hello", "rest of inputafter-eof"]);
    assert.deepEqual(logLines(log, "stderr"), ["err-hello"]);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("attach: several clients get the same output; without stdin_once stdin survives a client", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "read a; echo first:$a; read b; echo second:$b", [["stdin", 1]]));
    const r = await createShim(sb, plan);
    assert.equal(r.ok, true, r.line);
    const a1 = await attach(sb.state);
    const a2 = await attach(sb.state);
    const all2 = readToEnd(a2);
    assert.equal(await ctl(sb, "start"), "ok");
    a1.end("one\n"); // half-close: stdin stays open (no stdin_once)
    const all1 = readToEnd(a1);
    await waitFor("first line", async () => (await readFile(sb.log, "utf8")).includes("first:one"));
    a2.write("two\n");
    const [g1, g2] = [unframe(await all1), unframe(await all2)];
    assert.equal(g1.stdout, "first:one\nsecond:two\n");
    assert.equal(g2.stdout, g1.stdout);
    assert.equal((await waitExit(sb.state)).value, 0);
    await waitGone(r.shimPid!);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

const devpts: (string | number)[][] = [["mount", "/dev/pts", "devpts", "devpts", 2 | 8, 0, "newinstance,ptmxmode=0666,mode=0620"]];

test("terminal: the shim holds the pty, attach is raw, resize applies, /dev/console is the pty", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "stty size; tty; stat -c %t,%T /dev/console; read x; echo got:$x; stty size", [
      ...devpts, ["terminal", 1], ["console_size", 24, 80],
    ]));
    const r = await createShim(sb, plan);
    assert.equal(r.ok, true, r.line);
    const a = await attach(sb.state);
    let text = "";
    a.on("data", (d: Buffer) => (text += d.toString()));
    a.resume();
    const ended = new Promise((res) => a.once("end", res));
    assert.equal(await ctl(sb, "start"), "ok");
    await waitFor("the first size", () => text.includes("24 80"));
    assert.equal(await ctl(sb, "resize\t50\t132"), "ok");
    a.write("go\n");
    await ended;
    const lines = text.split("\r\n");
    assert.ok(lines.includes("/dev/pts/0"), JSON.stringify(text));
    assert.ok(lines.includes("88,0"), "console is pts 0 (major 136)");
    assert.ok(lines.includes("got:go"));
    assert.equal(lines.filter((l) => l === "50 132").length, 1);
    assert.equal((await waitExit(sb.state)).value, 0);
    await waitGone(r.shimPid!);
    const log = logLines(await readLog(sb.log)).map((l) => l.replace(/\r$/, ""));
    assert.ok(log.includes("24 80") && log.includes("50 132"));
    assert.match(await ctl(sb, "resize\t1\t1").catch((e: Error) => e.message), /ENOENT|ECONNREFUSED/);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("terminal with --console-socket: the master is sent over SCM_RIGHTS and the shim logs nothing", { skip }, async () => {
  const helper = resolve("native/build/tests/console_recv");
  if (!existsSync(helper)) return;
  const sb = await makeSandbox();
  try {
    const sock = join(sb.dir, "console.sock");
    const recv = spawn(helper, [sock, "echo hi-from-tty; exit 4\n"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    recv.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const done = new Promise((res) => recv.on("close", res));
    await waitFor("console socket", () => out.includes("ready"));
    const records = basePlan(sb, "", [...devpts, ["terminal", 1]]).filter((l) => l[0] !== "arg");
    const plan = await writePlan(sb, [...records, ["arg", "/bin/sh"]]);
    const r = await createShim(sb, plan, ["--console-socket", sock]);
    assert.equal(r.ok, true, r.line);
    // The receiver prints what it got on its own pipe: it may land a little after the shim's reply.
    await waitFor("the master's name from the console socket", () => /name=\/dev\/ptmx/.test(out));
    assert.match(await ctl(sb, "attach"), /^error\tattach\t95\t/);
    assert.equal(await ctl(sb, "start"), "ok");
    assert.deepEqual(await waitExit(sb.state).then((e) => [e.kind, e.value]), ["exited", 4]);
    await done;
    assert.match(out, /hi-from-tty/);
    assert.match(out, /\[done\]/);
    await waitGone(r.shimPid!);
    assert.ok(!existsSync(sb.log), "no log with a console socket");
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("log: long lines become P records, the file rotates by size into FILE.1..FILE.N-1", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "head -c 40000 /dev/zero | tr '\\0' a; echo; seq 1 400"));
    const r = await createShim(sb, plan, ["--log-max-size", "4000", "--log-max-files", "3"]);
    assert.equal(r.ok, true, r.line);
    assert.equal(await ctl(sb, "start"), "ok");
    assert.equal((await waitExit(sb.state)).value, 0);
    await waitGone(r.shimPid!);
    const names = readdirSync(sb.state).filter((n) => n.startsWith("log")).sort();
    assert.deepEqual(names, ["log", "log.1", "log.2"]);
    const texts = await Promise.all(["log.2", "log.1", "log"].map((n) => readFile(join(sb.state, n), "utf8")));
    for (const n of names) assert.ok(statSync(join(sb.state, n)).size <= 4000, `${n} is over the size limit`);
    const records = texts.flatMap((t) => parseLog(t));
    // The newest lines survive, in order, ending with 400.
    const nums = logLines(records).filter((l) => /^\d+$/.test(l)).map(Number);
    assert.equal(nums.at(-1), 400);
    for (let i = 1; i < nums.length; i++) assert.equal(nums[i], nums[i - 1] + 1);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("log: a line longer than one read is split into P records that join back", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "head -c 40000 /dev/zero | tr '\\0' a; echo; printf tail"));
    const r = await createShim(sb, plan);
    assert.equal(r.ok, true, r.line);
    assert.equal(await ctl(sb, "start"), "ok");
    assert.equal((await waitExit(sb.state)).value, 0);
    await waitGone(r.shimPid!);
    const records = await readLog(sb.log);
    assert.ok(records.filter((x) => x.tag === "P").length >= 2, "split into partial records");
    assert.ok(records.every((x) => x.text.length <= 16384));
    assert.deepEqual(logLines(records), ["a".repeat(40000), "tail"]);
    assert.equal(records.at(-1)!.tag, "P", "output without a final newline ends with a P record");
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});
