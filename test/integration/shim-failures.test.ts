// berth-shim failure paths: each names the right stage, and leaves no process, no mount and no
// file in the state dir behind. Also the hooks (state JSON on stdin, failures).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { readFile, writeFile } from "node:fs/promises";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  alive, assertNothingLeft, basePlan, createShim, ctl, esc, makeSandbox, runShim, skipReason, stateFiles, waitExit, waitGone, writePlan,
  type Sandbox,
} from "./shim-helpers.js";

const skip = skipReason();

function hasCapSysResource(): boolean {
  const m = /^CapEff:\t([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? (BigInt("0x" + m[1]) & (1n << 24n)) !== 0n : false;
}

/** Runs create with the plan and checks the error report and that nothing is left. */
async function expectCreateError(sb: Sandbox, records: (string | number)[][] | string, stage: string, errno?: number): Promise<string> {
  const plan = typeof records === "string" ? join(sb.dir, "plan") : await writePlan(sb, records);
  if (typeof records === "string") await writeFile(plan, records);
  const r = await createShim(sb, plan);
  assert.equal(r.ok, false, r.line);
  assert.equal(r.code, 1);
  assert.equal(r.stage, stage, r.line);
  if (errno !== undefined) assert.equal(r.errno, errno, r.line);
  assert.match(r.line, /^error\t[a-z_]+\t\d+\t[^\t\n]+\n$/);
  assert.deepEqual(stateFiles(sb), [], "state dir must stay empty");
  await assertNothingLeft(sb);
  return r.message!;
}

test("a missing rootfs fails at stage mount", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const records = basePlan(sb, "true").map((l) => (l[0] === "rootfs" ? ["rootfs", join(sb.dir, "nope")] : l));
    assert.match(await expectCreateError(sb, records, "mount", 2), /nope/);
  } finally {
    await sb.cleanup();
  }
});

test("an unknown filesystem type fails at stage mount with ENODEV", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    assert.match(await expectCreateError(sb, basePlan(sb, "true", [["mount", "/mnt/x", "nosuchfs", "none", 0, 0, ""]]), "mount", 19), /\/mnt\/x/);
  } finally {
    await sb.cleanup();
  }
});

test("plan errors name the line: unknown tag, bad escape, missing args, bad version", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    assert.match(await expectCreateError(sb, basePlan(sb, "true", [["frobnicate", "1"]]), "plan", 22), /line \d+ \(frobnicate\): unknown tag/);
    assert.match(await expectCreateError(sb, "version\t1\narg\tbad\\qescape\n", "plan", 22), /line 2: bad escape/);
    assert.match(await expectCreateError(sb, "version\t1\nenv\tA=1\n", "plan", 22), /no 'arg' line/);
    assert.match(await expectCreateError(sb, "version\t2\narg\tx\n", "plan", 22), /unsupported plan version/);
    assert.match(await expectCreateError(sb, basePlan(sb, "true", [["mount", "/x", "tmpfs"]]), "plan", 22), /expected 6 fields/);
  } finally {
    await sb.cleanup();
  }
});

test("escaped fields reach the program intact", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const arg = "tab\there\\back\nnewline";
    assert.equal(esc(arg), "tab\\there\\\\back\\nnewline");
    const plan = await writePlan(sb, basePlan(sb, 'printf "%s" "$1" > /tmp/out', []).concat([["arg", "sh"], ["arg", arg]]));
    const r = await createShim(sb, plan);
    assert.equal(r.ok, true, r.line);
    assert.equal(await ctl(sb, "start"), "ok");
    assert.equal((await waitExit(sb.state)).value, 0);
    assert.equal(await readFile(join(sb.rootfs, "tmp/out"), "utf8"), arg);
    await waitGone(r.shimPid!);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("a missing program: create succeeds, start answers stage exec ENOENT naming it, exit 127", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const records = basePlan(sb, "").filter((l) => l[0] !== "arg").concat([["arg", "no-such-program"], ["arg", "x"]]);
    const r = await createShim(sb, await writePlan(sb, records));
    assert.equal(r.ok, true, r.line);
    const answer = await ctl(sb, "start");
    assert.match(answer, /^error\texec\t2\t.*"no-such-program".*not found/);
    assert.deepEqual(await waitExit(sb.state).then((e) => [e.kind, e.value]), ["exited", 127]);
    await waitGone(r.shimPid!);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("a negative oom_score_adj without CAP_SYS_RESOURCE fails at stage oom_score_adj", { skip: skip ?? (hasCapSysResource() ? "this root has CAP_SYS_RESOURCE, so the value would be accepted" : undefined) }, async () => {
  const sb = await makeSandbox();
  try {
    assert.match(await expectCreateError(sb, basePlan(sb, "true", [["oom_score_adj", -500]]), "oom_score_adj"), /CAP_SYS_RESOURCE/);
  } finally {
    await sb.cleanup();
  }
});

test("raising the hard RLIMIT_NOFILE without CAP_SYS_RESOURCE fails at stage rlimit", { skip: skip ?? (hasCapSysResource() ? "this root has CAP_SYS_RESOURCE" : undefined) }, async () => {
  const sb = await makeSandbox();
  try {
    await expectCreateError(sb, basePlan(sb, "true", [["rlimit", 7, 1024, 1 << 30]]), "rlimit", 1);
  } finally {
    await sb.cleanup();
  }
});

test("a failing namespace path fails at stage namespace", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const records = basePlan(sb, "true").filter((l) => !(l[0] === "ns" && l[1] === "net")).concat([["ns", "net", join(sb.dir, "no-netns")]]);
    await expectCreateError(sb, records, "namespace", 2);
  } finally {
    await sb.cleanup();
  }
});

function hook(phase: string, script: string): (string | number)[] {
  return ["hook", phase, 5, "/bin/sh", 3, "sh", "-c", script, "PATH=/usr/bin:/bin"];
}

test("hooks get the state JSON with the pid; a failing hook fails its stage", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const seen = join(sb.dir, "hook-state");
    const state = JSON.stringify({ ociVersion: "1.0.2", id: "berth-test", status: "creating", pid: 0, bundle: sb.dir });
    const plan = await writePlan(sb, basePlan(sb, "true", [
      ["state_json", state.replace('"pid":0', '"pid":0')],
      hook("createRuntime", `cat > ${seen}.runtime`),
      hook("createContainer", `cat > ${seen}.container`),
    ]));
    const r = await createShim(sb, plan);
    assert.equal(r.ok, true, r.line);
    for (const f of ["runtime", "container"]) {
      const got = JSON.parse(await readFile(`${seen}.${f}`, "utf8"));
      assert.equal(got.pid, r.pid, `${f} hook got the container pid`);
      assert.equal(got.id, "berth-test");
    }
    assert.equal(await ctl(sb, "start"), "ok");
    await waitExit(sb.state);
    await waitGone(r.shimPid!);
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
  for (const phase of ["createRuntime", "createContainer"]) {
    const sb2 = await makeSandbox();
    try {
      assert.match(await expectCreateError(sb2, basePlan(sb2, "true", [hook(phase, "exit 3")]), "hook"), new RegExp(`${phase} hook /bin/sh: exited with status 3`));
    } finally {
      await sb2.cleanup();
    }
  }
});

test("a hook past its timeout is killed and fails the stage", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    const slow: (string | number)[] = ["hook", "createRuntime", 1, "/bin/sh", 3, "sh", "-c", "exec sleep 31", "PATH=/usr/bin:/bin"];
    assert.match(await expectCreateError(sb, basePlan(sb, "true", [slow]), "hook", 110), /createRuntime hook \/bin\/sh: timed out after 1 s/);
    // The hook's process was killed (hooks run with the shim's env, so look for its command line).
    const hookLeft = readdirSync("/proc").filter((n) => /^\d+$/.test(n)).filter((n) => {
      try { return readFileSync(`/proc/${n}/cmdline`, "utf8") === "sleep\x0031\x00" && alive(Number(n)); } catch { return false; }
    });
    assert.deepEqual(hookLeft, []);
  } finally {
    await sb.cleanup();
  }
});

test("a failing startContainer hook makes start fail at stage hook", { skip }, async () => {
  const sb = await makeSandbox();
  try {
    // Runs inside the container after pivot_root: /bin/sh is the busybox of the rootfs.
    const plan = await writePlan(sb, basePlan(sb, "touch /tmp/ran", [hook("startContainer", "exit 4")]));
    const r = await createShim(sb, plan);
    assert.equal(r.ok, true, r.line);
    assert.match(await ctl(sb, "start"), /^error\thook\t\d+\tstartContainer hook \/bin\/sh: exited with status 4$/);
    const e = await waitExit(sb.state);
    assert.equal(e.kind, "exited");
    assert.notEqual(e.value, 0);
    await waitGone(r.shimPid!);
    await assert.rejects(readFile(join(sb.rootfs, "tmp/ran")));
    await assertNothingLeft(sb);
  } finally {
    await sb.cleanup();
  }
});

test("usage errors exit 2 with stage usage", { skip }, async () => {
  const r = await runShim(["create", "--plan", "/nonexistent"]);
  assert.equal(r.code, 2);
  assert.equal(r.stage, "usage");
});
