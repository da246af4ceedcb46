import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./main.js";
import { RecordingSys } from "../../sys/RecordingSys.js";
import { FakeCgroupManager } from "../testing/FakeCgroupManager.js";

async function run(argv: string[]) {
  const root = await mkdtemp(join(tmpdir(), "berth-test-cli-"));
  const out: string[] = [];
  const errors: string[] = [];
  const roots: string[] = [];
  try {
    const code = await main(argv, {
      makeContext: (r) => {
        roots.push(r);
        return { root: join(root, "state"), sys: new RecordingSys(), cgroups: new FakeCgroupManager(), shimPath: "/fake" };
      },
      io: { out: (t) => out.push(t), warn: (t) => out.push(`warning: ${t}`) },
      error: (l) => errors.push(l),
    });
    return { code, out: out.join(""), errors, roots };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test("usage, version, unknown commands and flags: exit codes and one-line errors", async () => {
  assert.equal((await run([])).code, 1);
  assert.equal((await run(["--help"])).code, 0);
  assert.match((await run(["--version"])).out, /^berth-runtime version/);
  const u = await run(["frobnicate"]);
  assert.deepEqual([u.code, u.errors], [1, ['unknown command "frobnicate"']]);
  const f = await run(["--nope", "list"]);
  assert.deepEqual([f.code, f.errors], [1, ["global flags: unknown flag --nope"]]);
  const s = await run(["--systemd-cgroup", "list"]);
  assert.match(s.errors[0], /--systemd-cgroup is not supported/);
});

test("global --root reaches the context; list on an empty root prints the header", async () => {
  const r = await run(["--root", "/some/root", "--debug", "--log-format", "text", "list"]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.roots, ["/some/root"]);
  assert.match(r.out, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\n$/);
  assert.equal((await run(["list", "--format", "json"])).out, "[]\n");
  assert.equal((await run(["list", "-q"])).out, "");
});

test("missing containers and arguments are errors naming them", async () => {
  assert.deepEqual((await run(["state", "ghost"])).errors, ["container ghost: does not exist"]);
  assert.deepEqual((await run(["start"])).errors, ["start: missing ID argument (usage: start ID)"]);
  assert.deepEqual((await run(["kill", "ghost", "SIGNOPE"])).errors, ['parse signal: unknown signal "SIGNOPE"']);
  assert.deepEqual((await run(["exec"])).errors, ["exec: missing ID argument (usage: exec [flags] ID [ARGS...])"]);
  assert.deepEqual((await run(["exec", "--user", "root", "ghost", "sh"])).errors, ['exec: --user: expected uid[:gid] as numbers, got "root"']);
  assert.deepEqual((await run(["ps", "--format", "xml", "ghost"])).errors, ['ps: invalid --format "xml" (table or json)']);
  assert.deepEqual((await run(["create", "--preserve-fds", "2", "x"])).errors, ["--preserve-fds is not supported by berth"]);
  assert.equal((await run(["spec", "--bundle", "/nonexistent/dir"])).code, 1);
});
