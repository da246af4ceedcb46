import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LinuxSys } from "../../sys/linuxSys.js";
import type { ExitRecord } from "../../runtime/exitRecord.js";
import { ExitMonitor } from "./ExitMonitor.js";

/** A stand-in for the shim: a live process (the "shim pid") and ctl.sock served by this test. */
async function fakeShim(dir: string) {
  const proc = spawn("sleep", ["60"], { stdio: "ignore" });
  await new Promise((r) => proc.once("spawn", r));
  const sys = new LinuxSys();
  const st = await sys.procStat(proc.pid!);
  const conns = new Set<Socket>();
  const server: Server = createServer((c) => {
    conns.add(c);
    c.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(join(dir, "ctl.sock"), r));
  return {
    sys, conns, target: { dir, shimPid: proc.pid!, shimStartTime: st!.startTime },
    /** What the shim does at its end: `exit`, ctl.sock gone, connections closed, process gone. */
    async exit(line: string) {
      await writeFile(join(dir, "exit"), line);
      await new Promise((r) => server.close(r));
      for (const c of conns) c.destroy();
      proc.kill("SIGKILL");
    },
    kill() {
      server.close();
      for (const c of conns) c.destroy();
      proc.kill("SIGKILL");
    },
  };
}

const waitFor = async (pred: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!pred()) {
    if (Date.now() > deadline) assert.fail(what);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test("the close of the idle ctl.sock connection delivers the exit record", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-em-"));
  const shim = await fakeShim(dir);
  const m = new ExitMonitor(shim.sys, () => {}, 60_000); // the sweep never runs in this test
  try {
    let got: ExitRecord | null | undefined;
    m.watch("a", shim.target, (x) => (got = x));
    await waitFor(() => shim.conns.size === 1, "the monitor connects");
    assert.equal(got, undefined, "no exit while the shim runs");
    await shim.exit("exited\t7\t1000\n");
    await waitFor(() => got !== undefined, "exit delivered");
    assert.deepEqual(got, { kind: "exited", code: 7, at: 1000n });
    assert.equal(m.size(), 0);
  } finally {
    shim.kill();
    m.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("a shim that dies without a record ends the watch with null; cancel stops watching", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-em-"));
  const dir2 = await mkdtemp(join(tmpdir(), "berth-test-em-"));
  const shim = await fakeShim(dir);
  const other = await fakeShim(dir2);
  const m = new ExitMonitor(shim.sys, () => {}, 60_000);
  try {
    let got: ExitRecord | null | undefined;
    let calledOther = false;
    m.watch("a", shim.target, (x) => (got = x));
    const cancel = m.watch("b", other.target, () => (calledOther = true));
    await waitFor(() => shim.conns.size === 1 && other.conns.size === 1, "connected");
    cancel();
    await waitFor(() => other.conns.size === 0 || [...other.conns].every((c) => c.destroyed || c.readableEnded), "the cancelled watch hangs up");
    shim.kill();
    other.kill();
    await waitFor(() => got !== undefined, "exit delivered");
    assert.equal(got, null);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calledOther, false);
  } finally {
    shim.kill();
    other.kill();
    m.close();
    await rm(dir, { recursive: true, force: true });
    await rm(dir2, { recursive: true, force: true });
  }
});

test("without a ctl.sock to connect to, the sweep finds the exit", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-em-"));
  const proc = spawn("sleep", ["60"], { stdio: "ignore" });
  await new Promise((r) => proc.once("spawn", r));
  const sys = new LinuxSys();
  const st = await sys.procStat(proc.pid!);
  const m = new ExitMonitor(sys, () => {}, 50);
  try {
    let got: ExitRecord | null | undefined;
    m.watch("a", { dir, shimPid: proc.pid!, shimStartTime: st!.startTime }, (x) => (got = x));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got, undefined, "the process lives: no exit");
    await writeFile(join(dir, "exit"), "signaled\t9\t5\n");
    await waitFor(() => got !== undefined, "the sweep delivers it");
    assert.deepEqual(got, { kind: "signaled", signal: 9, at: 5n });
  } finally {
    proc.kill("SIGKILL");
    m.close();
    await rm(dir, { recursive: true, force: true });
  }
});
