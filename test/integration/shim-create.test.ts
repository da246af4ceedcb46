// berth-shim create/start: the report, the create/start split, pid 1, hostname, mounts, the
// exit record, stdio inherit. Root only; plans are written by hand (native/README.md).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import {
  MS, SHIM, alive, assertNothingLeft, basePlan, createAndStart, createShim, ctl, hostMountsMentioning, logLines, makeSandbox,
  parseReport, readLog, skipReason, stateFiles, waitExit, waitFor, waitGone, writePlan,
} from "./shim-helpers.js";

const skip = skipReason();

test("create waits for start, then runs the program as pid 1 and records its exit code", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "echo pid=$$; hostname; echo oops >&2; exit 3"));
    const r = await createShim(sb, plan);
    assert.equal(r.ok, true, r.line);
    assert.equal(r.code, 0);
    assert.match(r.line, /^ok\t\d+\t\d+\n$/);
    assert.deepEqual(stateFiles(sb), ["ctl.sock", "log", "shim.pid"]);
    assert.equal(await readFile(join(sb.state, "shim.pid"), "utf8"), `${r.shimPid}\n`);
    // Before start: the child is still the shim's clone (not the program) and wrote nothing.
    assert.ok(alive(r.pid!));
    assert.ok(readFileSync(`/proc/${r.pid}/cmdline`, "utf8").startsWith(SHIM), "program ran before start");
    assert.deepEqual(await readLog(sb.log), []);

    assert.equal(await ctl(sb, "start"), "ok");
    assert.deepEqual(await waitExit(sb.state).then((e) => [e.kind, e.value]), ["exited", 3]);
    await waitGone(r.shimPid!);
    const log = await readLog(sb.log);
    assert.deepEqual(logLines(log, "stdout"), ["pid=1", "berth-test-host"]);
    assert.deepEqual(logLines(log, "stderr"), ["oops"]);
    assert.ok(log.every((x) => x.tag === "F"));
    // ctl.sock goes with the shim; shim.pid and exit stay.
    assert.deepEqual(stateFiles(sb), ["exit", "log", "shim.pid"]);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("a container killed by a signal gets a signaled exit record; a second start is refused", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "exec sleep 1000"));
    const r = await createAndStart(sb, plan);
    assert.match(await ctl(sb, "start"), /^error\tstart\t16\t/);
    await waitFor("sleep to run", () => readFileSync(`/proc/${r.pid}/cmdline`, "utf8").startsWith("sleep"));
    process.kill(r.pid!, "SIGKILL");
    const e = await waitExit(sb.state);
    assert.equal(e.kind, "signaled");
    assert.equal(e.value, 9);
    assert.ok(e.timeNs > BigInt(Date.now() - 60000) * 1000000n);
    await waitGone(r.shimPid!);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("mounts are made in order, with flags, data and read-only binds, and cannot escape the rootfs", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const shared = join(sb.dir, "shared");
    await mkdir(shared);
    await writeFile(join(shared, "hello"), "hello from the host\n");
    // A symlink in the image pointing at a host path: the mount must land inside the rootfs.
    const outside = join(sb.dir, "outside");
    await mkdir(outside);
    await symlink(outside, join(sb.rootfs, "mnt/evil"));
    const plan = await writePlan(sb, basePlan(sb, [
      "grep -E ' /mnt/(data|ro|data/inner) ' /proc/self/mountinfo | cut -d' ' -f5,6,9",
      "cat /mnt/ro/hello",
      "touch /mnt/ro/x 2>/dev/null || echo ro-refused",
      "stat -c %a /mnt/data",
      `grep -c ' ${outside} ' /proc/self/mountinfo`,
    ].join("; "), [
      ["mount", "/mnt/data", "tmpfs", "tmpfs", MS.NOSUID | MS.NODEV, 0, "size=1m,mode=700"],
      ["mount", "/mnt/data/inner", "tmpfs", "tmpfs", 0, 0, ""],
      ["mount", "/mnt/ro", "bind", shared, MS.BIND | MS.REC | MS.RDONLY, 0, ""],
      ["mount", "/mnt/evil", "tmpfs", "tmpfs", 0, 0, ""],
    ]));
    const r = await createAndStart(sb, plan);
    assert.deepEqual(await waitExit(sb.state).then((e) => [e.kind, e.value]), ["exited", 0]);
    await waitGone(r.shimPid!);
    const out = logLines(await readLog(sb.log));
    const mountLines = out.slice(0, 3);
    assert.match(mountLines[0], /^\/mnt\/data rw,nosuid,nodev\S* tmpfs$/);
    assert.match(mountLines[1], /^\/mnt\/data\/inner rw\S* tmpfs$/, "mounted after (on top of) /mnt/data");
    assert.match(mountLines[2], /^\/mnt\/ro ro\S* \S+$/);
    assert.deepEqual(out.slice(3), ["hello from the host", "ro-refused", "700", "1"]);
    // The symlink was resolved inside the rootfs: nothing was mounted on the host's dir.
    assert.deepEqual(hostMountsMentioning(outside), []);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("stdio inherit: the container writes to the shim's own stdout and stderr", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "echo to-stdout; echo to-stderr >&2"));
    const child = spawn(SHIM, ["create", "--state-dir", sb.state, "--plan", plan, "--stdio", "inherit", "--sync-fd", "3"], {
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    const collect = (s: Readable) => new Promise<string>((res) => {
      let t = "";
      s.on("data", (d: Buffer) => (t += d.toString()));
      s.on("end", () => res(t));
    });
    const out = collect(child.stdout!);
    const err = collect(child.stderr!);
    const line = await collect(child.stdio[3] as Readable);
    const r = parseReport(line, null);
    assert.equal(r.ok, true, line);
    assert.equal(await ctl(sb, "start"), "ok");
    // The pipes close once the container and the shim (which hold them) are gone.
    assert.equal(await out, "to-stdout\n");
    assert.equal(await err, "to-stderr\n");
    assert.deepEqual((await waitExit(sb.state)).value, 0);
    assert.ok(!stateFiles(sb).includes("log"), "no log in inherit mode");
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("without start the container never runs; killing it before start still records the exit", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const marker = join(sb.rootfs, "tmp/ran");
    const plan = await writePlan(sb, basePlan(sb, "touch /tmp/ran"));
    const r = await createShim(sb, plan);
    assert.equal(r.ok, true, r.line);
    process.kill(r.pid!, "SIGKILL");
    assert.equal((await waitExit(sb.state)).kind, "signaled");
    await waitGone(r.shimPid!);
    await assert.rejects(readFile(marker));
    assert.deepEqual(hostMountsMentioning(sb.dir), []);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("the shim keeps no fd of its caller, runs in its own session, and the program gets only 0-2", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const plan = await writePlan(sb, basePlan(sb, "ls /proc/$$/fd; true"));
    // fd 4: an extra pipe the caller happens to have open; only the shim could keep it open.
    const child = spawn(SHIM, ["create", "--state-dir", sb.state, "--plan", plan, "--log", sb.log, "--sync-fd", "3"], {
      stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"],
    });
    let extraClosed = false;
    (child.stdio[4] as Readable).on("end", () => (extraClosed = true)).resume();
    let line = "";
    for await (const d of child.stdio[3] as Readable) line += d;
    const r = parseReport(line, null);
    assert.equal(r.ok, true, line);
    await waitFor("the caller's extra fd to be closed by everyone", () => extraClosed);
    const stat = readFileSync(`/proc/${r.shimPid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    assert.equal(Number(fields[3]), r.shimPid, "the shim leads its own session");
    assert.equal(await ctl(sb, "start"), "ok");
    assert.equal((await waitExit(sb.state)).value, 0);
    await waitGone(r.shimPid!);
    assert.deepEqual(logLines(await readLog(sb.log)), ["0", "1", "2"]);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});
