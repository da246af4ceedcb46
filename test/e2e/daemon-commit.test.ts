/**
 * docker commit against berthd with the real docker CLI: a file written in a container is in
 * the committed image; --change, -m and -a show in inspect and history; a running container is
 * committed (paused for the copy, running again after); the commit event; a missing container.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { cliSkipReason, runCli } from "../integration/cli-env.js";

const skip = daemonSkipReason() ?? false;

async function withDaemon(fn: (d: TestDaemon) => Promise<void>): Promise<void> {
  const d = await startTestDaemon();
  try {
    await fn(d);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
}

const suffix = () => randomBytes(4).toString("hex");

test("commit: the container's new file is in the image; --change, -m and -a in inspect and history", { skip }, async () => {
  await withDaemon(async (d) => {
    const c = `berth-test-commit-${suffix()}`;
    const repo = `berth-test-img-${suffix()}`;
    await d.ok(["run", "--name", c, "-e", "FROM_RUN=1", "busybox", "sh", "-c", "echo committed-content > /made-here"]);
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const id = await d.ok(["commit", "-m", "berth test message", "-a", "Berth Tester <t@example.com>", "--change", 'CMD ["cat", "/made-here"]', "--change", "ENV ADDED=yes", c, `${repo}:v1`]);
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await d.ok(["run", "--rm", `${repo}:v1`]), "committed-content");
    const img = JSON.parse(await d.ok(["image", "inspect", `${repo}:v1`]))[0];
    assert.equal(img.Id, id);
    assert.deepEqual(img.Config.Cmd, ["cat", "/made-here"]);
    assert.ok(img.Config.Env.includes("ADDED=yes"), img.Config.Env);
    assert.ok(img.Config.Env.includes("FROM_RUN=1"), "the container's env fills the gaps");
    assert.equal(img.Comment, "berth test message");
    assert.equal(img.Author, "Berth Tester <t@example.com>");
    const history = await d.ok(["history", "--no-trunc", "--format", "{{.Comment}}|{{.CreatedBy}}", `${repo}:v1`]);
    assert.equal(history.split("\n")[0], "berth test message|sh -c echo committed-content > /made-here");
    // No repository: a dangling image, still runnable by ID; the container's Cmd is kept.
    const bare = await d.ok(["commit", c]);
    assert.equal(await d.ok(["run", "--rm", bare, "cat", "/made-here"]), "committed-content");
    assert.deepEqual(JSON.parse(await d.ok(["image", "inspect", "-f", "{{json .Config.Cmd}}", bare])), ["sh", "-c", "echo committed-content > /made-here"]);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const ev = await d.ok(["events", "--since", since, "--until", until, "--filter", "event=commit", "--format", "{{.Type}}|{{.Actor.Attributes.name}}|{{.Actor.Attributes.comment}}|{{.Actor.Attributes.imageRef}}"]);
    assert.deepEqual(ev.split("\n"), [`container|${c}|berth test message|${repo}:v1`, `container|${c}||`]);
    const tags = await d.ok(["events", "--since", since, "--until", until, "--filter", "type=image", "--filter", "event=tag", "--format", "{{.Actor.ID}} {{.Actor.Attributes.name}}"]);
    assert.equal(tags, `${id} ${repo}:v1`);
    await d.ok(["rm", c]);
    await d.ok(["rmi", `${repo}:v1`, bare]);
  });
});

test("commit of a running container pauses it for the copy and leaves it running; bad input", { skip }, async () => {
  await withDaemon(async (d) => {
    const c = `berth-test-commit-${suffix()}`;
    await d.ok(["run", "-d", "--name", c, "busybox", "sh", "-c", "echo live > /live; sleep 100"]);
    // Wait until the file exists (the shell runs asynchronously to `run -d`).
    for (let i = 0; i < 100 && (await d.docker(["exec", c, "test", "-f", "/live"])).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const id = await d.ok(["commit", c]);
    assert.equal(await d.ok(["run", "--rm", id, "cat", "/live"]), "live");
    assert.equal(await d.ok(["inspect", "-f", "{{.State.Status}}", c]), "running");
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const ev = await d.ok(["events", "--since", since, "--until", until, "--filter", `container=${c}`, "--format", "{{.Action}}"]);
    assert.deepEqual(ev.split("\n").filter((a) => ["pause", "unpause", "commit"].includes(a)), ["pause", "unpause", "commit"]);
    // --pause=false: no freeze.
    const since2 = String(Math.floor(Date.now() / 1000));
    await d.ok(["commit", "--pause=false", c]);
    const until2 = String(Math.floor(Date.now() / 1000) + 1);
    const ev2 = await d.ok(["events", "--since", since2, "--until", until2, "--filter", `container=${c}`, "--filter", "event=pause", "--format", "{{.Action}}"]);
    assert.equal(ev2, "");

    const missing = await d.docker(["commit", `berth-test-missing-${suffix()}`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such container: berth-test-missing-/);
    const badChange = await d.docker(["commit", "--change", "RUN echo x", c]);
    assert.equal(badChange.code, 1);
    assert.match(badChange.stderr, /RUN is not supported/);
    await d.ok(["rm", "-f", c]);
  });
});

test("berth commit against berthd: --change, -m, -a and the new image runs", { skip: skip || (cliSkipReason() ?? false) }, async () => {
  await withDaemon(async (d) => {
    const c = `berth-test-commit-${suffix()}`;
    const repo = `berth-test-img-${suffix()}`;
    await d.ok(["run", "--name", c, "busybox", "sh", "-c", "echo via-berth > /f"]);
    const r = await runCli("berth", d.sock, join(d.dir, "home"), ["commit", "-m", "msg", "-a", "me", "-c", "ENTRYPOINT [\"cat\"]", "-c", "CMD [\"/f\"]", c, `${repo}:t`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(await d.ok(["run", "--rm", `${repo}:t`]), "via-berth");
    assert.equal(await d.ok(["image", "inspect", "-f", "{{.Comment}}|{{.Author}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}", `${repo}:t`]), 'msg|me|["cat"]|["/f"]');
    await d.ok(["rm", c]);
    await d.ok(["rmi", `${repo}:t`]);
  });
});
