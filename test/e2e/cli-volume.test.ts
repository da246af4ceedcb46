/**
 * `berth volume create/ls/inspect/rm/prune` against berthd, with the docker CLI's output on the
 * same daemon as the oracle (stdout and exit code), then the daemon's leak check.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { cliSkipReason, runCli, type CliRun } from "../integration/cli-env.js";

const skip = daemonSkipReason() ?? cliSkipReason() ?? false;

const berth = (d: TestDaemon, args: string[], stdin?: string): Promise<CliRun> => runCli("berth", d.sock, join(d.dir, "home"), args, stdin === undefined ? {} : { stdin });
const docker = (d: TestDaemon, args: string[], stdin?: string): Promise<CliRun> => runCli("docker", d.sock, join(d.dir, "home"), args, stdin === undefined ? {} : { stdin });

async function ok(d: TestDaemon, args: string[]): Promise<string> {
  const r = await berth(d, args);
  if (r.code !== 0) throw new Error(`berth ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

const token = () => `berth-test-vol-${randomBytes(4).toString("hex")}`;

test("berth volume create, ls, inspect, rm, prune: docker's output and exit codes", { skip }, async () => {
  const d = await startTestDaemon();
  try {
    const a = token();
    const b = `${a}-2`;
    assert.equal(await ok(d, ["volume", "create", "--label", "berth-test=1", a]), a);
    assert.equal(await ok(d, ["volume", "create", "--label", "k=v", "--name", b]), b);
    const anon = await ok(d, ["volume", "create"]);
    assert.match(anon, /^[0-9a-f]{64}$/);
    const v = JSON.parse(await ok(d, ["volume", "inspect", a]))[0];
    assert.deepEqual([v.Name, v.Driver, v.Labels], [a, "local", { "berth-test": "1" }]);

    // (One label each: docker prints several in Go's random map order.)
    for (const args of [["volume", "ls"], ["volume", "ls", "-q"], ["volume", "list", "--format", "json"],
      ["volume", "ls", "--format", "table {{.Name}}\t{{.Labels}}\t{{.Links}}\t{{.Size}}\t{{.Scope}}\t{{.Mountpoint}}"],
      ["volume", "ls", "-q", "--filter", "label=berth-test=1"], ["volume", "ls", "--filter", "dangling=true", "--format", "{{.Name}} {{.Label \"k\"}}"],
      ["volume", "inspect", a, b], ["volume", "inspect", "-f", "{{.Name}} {{.Driver}}", a],
      ["volume", "inspect", a, "berth-test-nosuch"], ["volume", "ls", "--filter", "nosuchfilter=1"]]) {
      const [x, o] = [await berth(d, args), await docker(d, args)];
      assert.deepEqual([x.code, x.stdout], [o.code, o.stdout], args.join(" "));
    }
    const missing = await berth(d, ["volume", "inspect", "berth-test-nosuch"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error response from daemon: .*berth-test-nosuch/);
    const both = await berth(d, ["volume", "create", "--name", "x", "y"]);
    assert.deepEqual([both.code, both.stderr.trim()], [1, "conflicting options: cannot specify a volume-name through both --name and as a positional arg"]);
    const many = await berth(d, ["volume", "create", "x", "y"]);
    assert.equal(many.code, 1);

    // In use: rm refuses (exit 1, the daemon's words), other names are still removed.
    const c = token();
    await d.ok(["create", "--name", c, "-v", `${a}:/data`, "busybox", "true"]);
    const inUse = await berth(d, ["volume", "rm", a, b]);
    assert.equal(inUse.code, 1);
    assert.equal(inUse.stdout, `${b}\n`);
    assert.match(inUse.stderr, /^Error response from daemon: .*volume is in use/);
    const missingRm = await berth(d, ["volume", "rm", "berth-test-nosuch"]);
    assert.equal(missingRm.code, 1);
    assert.equal((await berth(d, ["volume", "rm", "-f", "berth-test-nosuch"])).code, (await docker(d, ["volume", "rm", "-f", "berth-test-nosuch"])).code);

    // prune: the prompt, "no" keeps everything; -f removes anonymous unused ones; -a named ones too.
    const no = await berth(d, ["volume", "prune"], "n\n");
    assert.deepEqual([no.code, no.stdout], [0, "WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] "]);
    assert.equal(await ok(d, ["volume", "ls", "-q", "--filter", `name=${anon}`]), anon);
    const pruned = await berth(d, ["volume", "prune", "-f"]);
    assert.equal(pruned.code, 0);
    assert.match(pruned.stdout, new RegExp(`^Deleted Volumes:\\n${anon}\\n\\nTotal reclaimed space: \\d+(\\.\\d+)?k?B\\n$`));
    const conflict = await berth(d, ["volume", "prune", "-a", "--filter", "all=1", "-f"]);
    assert.deepEqual([conflict.code, conflict.stderr.trim()], [1, "conflicting options: cannot specify both --all and --filter all=1"]);
    const unnamed = await ok(d, ["volume", "create", "--label", "berth-test-prune=1", `${a}-3`]);
    const all = await berth(d, ["volume", "prune", "-a", "-f", "--filter", "label=berth-test-prune=1"]);
    assert.equal(all.stdout.split("\n").slice(0, 2).join("\n"), `Deleted Volumes:\n${unnamed}`);
    const nothing = await berth(d, ["volume", "prune", "-f"]);
    assert.equal(nothing.stdout, "Total reclaimed space: 0B\n");

    await d.ok(["rm", c]);
    assert.equal(await ok(d, ["volume", "rm", a]), a);
  } catch (e) {
    await d.cleanup();
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
});
