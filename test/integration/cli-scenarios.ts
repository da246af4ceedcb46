/**
 * The berth CLI's behaviour, checked against a live daemon and, wherever the output is
 * deterministic, against the docker CLI's output on the same daemon (the oracle). Registered
 * by cli-dockerd.test.ts (Debian's dockerd) and test/e2e/cli-berthd.test.ts (berthd); the
 * daemon must have busybox:latest.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BERTH_BIN, runCli, type CliTarget } from "./cli-env.js";
import { registrySkipReason, startRegistry } from "../helpers/registry.js";

export function registerCliScenarios(label: string, target: () => CliTarget, skip: string | false): void {
  const name = (what: string) => `berth-test-${what}-${randomBytes(3).toString("hex")}`;

  test(`${label}: run in the foreground: output, stderr, exit codes`, { skip }, async () => {
    const t = target();
    const r = await t.berth(["run", "--rm", ...t.runFlags, "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert.equal(r.stdout, "out\n");
    assert.equal(r.stderr, "err\n");
    assert.equal(r.code, 3);
    const missing = await t.berth(["run", "--rm", ...t.runFlags, "busybox", "berth-no-such-command"]);
    assert.equal(missing.code, 127, missing.stderr);
    const badFlag = await t.berth(["run", "--memory", "lots", "busybox", "true"]);
    assert.equal(badFlag.code, 125);
    assert.match(badFlag.stderr, /invalid argument "lots" for "--memory" flag/);
    const noImage = await t.berth(["run", "--rm", ...t.runFlags, "--pull", "never", "berth-test/no-such-image"]);
    assert.equal(noImage.code, 125);
    assert.match(noImage.stderr, /No such image: berth-test\/no-such-image/);
    const stdin = await t.berth(["run", "--rm", "-i", ...t.runFlags, "busybox", "sh", "-c", "tr a-z A-Z"], { stdin: "hello stdin\n" });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.equal(stdin.stdout, "HELLO STDIN\n");
  });

  test(`${label}: detached containers: ps, inspect, logs, exec, stop, wait, rm (matching docker's output)`, { skip }, async () => {
    const t = target();
    const n = name("detached");
    try {
      const run = await t.berth(["run", "-d", "--name", n, "-l", "berth.test=1", ...t.runFlags, "busybox", "sh", "-c", "echo started; echo warn >&2; exec sleep 60"]);
      assert.equal(run.code, 0, run.stderr);
      const id = run.stdout.trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      for (const fmt of ["{{.ID}} {{.Names}} {{.Image}} {{.Command}} {{.State}} {{.Size}} {{.Labels}}", "{{.Names}}\t{{.Label \"berth.test\"}}", "table {{.ID}}\t{{.Names}}"]) {
        const args = ["ps", "--filter", `name=${n}`, "--format", fmt];
        const [b, d] = [await t.berth(args), await t.docker(args)];
        assert.equal(b.code, 0, b.stderr);
        assert.equal(b.stdout, d.stdout, `ps --format ${fmt}`);
      }
      const json = JSON.parse((await t.berth(["ps", "--filter", `name=${n}`, "--format", "json"])).stdout);
      assert.equal(json.Names, n);
      assert.equal(json.State, "running");
      const q = await t.berth(["ps", "-q", "--filter", `label=berth.test=1`]);
      assert.equal(q.stdout.trim(), id.slice(0, 12));

      const fmt = "{{.Name}} {{.State.Running}} {{json .Config.Labels}} {{.Config.Cmd}}";
      const [bi, di] = [await t.berth(["inspect", "-f", fmt, n]), await t.docker(["inspect", "-f", fmt, n])];
      assert.equal(bi.stdout, di.stdout);
      assert.equal(JSON.parse((await t.berth(["container", "inspect", n])).stdout)[0].Id, id);

      let logs = await t.berth(["logs", n]);
      for (let i = 0; i < 50 && !logs.stdout.includes("started"); i++) {
        await new Promise((r) => setTimeout(r, 100));
        logs = await t.berth(["logs", n]);
      }
      assert.equal(logs.stdout, "started\n");
      assert.equal(logs.stderr, "warn\n");

      const ex = await t.berth(["exec", n, "sh", "-c", "echo in-exec; exit 4"]);
      assert.equal(ex.code, 4);
      assert.equal(ex.stdout, "in-exec\n");
      const exi = await t.berth(["exec", "-i", "-e", "X=y", n, "sh", "-c", "cat; echo $X"], { stdin: "piped\n" });
      assert.equal(exi.stdout, "piped\ny\n", exi.stderr);

      const [top, dtop] = [await t.berth(["top", n]), await t.docker(["top", n])];
      assert.equal(top.stdout.split("\n")[0], dtop.stdout.split("\n")[0]);
      assert.match(top.stdout, /sleep 60/);

      const stop = await t.berth(["stop", "-t", "1", n]);
      assert.equal(stop.stdout, `${n}\n`);
      const wait = await t.berth(["wait", n]);
      assert.equal(wait.stdout.trim(), "137");
      const [bs, ds] = [await t.berth(["ps", "-a", "--filter", `name=${n}`, "--format", "{{.Status}}"]), await t.docker(["ps", "-a", "--filter", `name=${n}`, "--format", "{{.Status}}"])];
      assert.equal(bs.stdout, ds.stdout);
      assert.match(bs.stdout, /^Exited \(137\)/);
    } finally {
      const rm1 = await t.berth(["rm", "-f", n]);
      assert.equal(rm1.stdout, `${n}\n`, rm1.stderr);
    }
  });

  test(`${label}: create + start -a returns the container's code; errors read like docker's`, { skip }, async () => {
    const t = target();
    const n = name("create");
    try {
      const c = await t.berth(["create", "--name", n, ...t.runFlags, "busybox", "sh", "-c", "echo created-run; exit 5"]);
      assert.equal(c.code, 0, c.stderr);
      const s = await t.berth(["start", "-a", n]);
      assert.equal(s.stdout, "created-run\n");
      assert.equal(s.code, 5);
    } finally {
      await t.berth(["rm", "-f", n]);
    }
    for (const args of [["rm", "berth-test-nosuch"], ["stop", "berth-test-nosuch"], ["logs", "berth-test-nosuch"]]) {
      const [b, d] = [await t.berth(args), await t.docker(args)];
      assert.equal(b.code, d.code, `${args.join(" ")}: ${b.stderr}`);
      assert.equal(b.stderr, d.stderr, args.join(" "));
    }
    const inspect = await t.berth(["inspect", "berth-test-nosuch"]);
    assert.equal(inspect.code, 1);
    assert.equal(inspect.stdout, "[]\n");
    assert.match(inspect.stderr, /^Error: No such object: berth-test-nosuch$/m);
    const unknown = await t.berth(["ps", "--bogus"]);
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /unknown flag: --bogus/);
    const notCmd = await t.berth(["frobnicate"]);
    assert.equal(notCmd.code, 1);
    const args = await t.berth(["rm"]);
    assert.equal(args.code, 1);
    assert.match(args.stderr, /"berth rm" requires at least 1 argument/);
  });

  test(`${label}: images, tag, rmi, save | load, history, cp`, { skip }, async () => {
    const t = target();
    const tag = `${name("tag")}:v1`;
    const dir = await mkdtemp(join(tmpdir(), "berth-test-cli-"));
    try {
      assert.equal((await t.berth(["tag", "busybox", tag])).code, 0);
      const tagEvents = await t.berth(["events", "--since", "1m", "--until", "0s", "--filter", "type=image", "--filter", "event=tag", "--format", "{{.Action}} {{.Actor.Attributes.name}}"]);
      assert.match(tagEvents.stdout, new RegExp(`^tag ${tag.replace(/[.]/g, "\\.")}$`, "m"));
      for (const fmt of ["{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}", "table {{.Repository}}\t{{.Tag}}\t{{.ID}}"]) {
        const args = ["images", "--format", fmt, tag.split(":")[0]!];
        const [b, d] = [await t.berth(args), await t.docker(args)];
        assert.equal(b.stdout, d.stdout, fmt);
      }
      const [bq, dq] = [await t.berth(["images", "-q", "busybox"]), await t.docker(["images", "-q", "busybox"])];
      assert.equal(bq.stdout, dq.stdout);
      const save = await t.berth(["save", "-o", join(dir, "img.tar"), tag]);
      assert.equal(save.code, 0, save.stderr);
      const rmi = await t.berth(["rmi", tag]);
      assert.equal(rmi.stdout, `Untagged: ${tag}\n`);
      const load = await t.berth(["load", "-i", join(dir, "img.tar")]);
      assert.equal(load.code, 0, load.stderr);
      assert.match(load.stdout, new RegExp(`Loaded image: ${tag.replace(/[.]/g, "\\.")}`));
      const hist = await t.berth(["history", "-q", tag]);
      assert.equal(hist.code, 0, hist.stderr);
      const rmiMissing = [await t.berth(["rmi", "berth-test/nosuch:1"]), await t.docker(["rmi", "berth-test/nosuch:1"])];
      assert.equal(rmiMissing[0]!.stderr, rmiMissing[1]!.stderr);
      assert.equal(rmiMissing[0]!.code, rmiMissing[1]!.code);

      const n = name("cp");
      await t.berth(["run", "-d", "--name", n, ...t.runFlags, "busybox", "sleep", "60"]);
      try {
        await writeFile(join(dir, "host.txt"), "from the host\n");
        assert.equal((await t.berth(["cp", join(dir, "host.txt"), `${n}:/tmp/in.txt`])).code, 0);
        assert.equal((await t.berth(["exec", n, "cat", "/tmp/in.txt"])).stdout, "from the host\n");
        const back = await t.berth(["cp", `${n}:/tmp/in.txt`, join(dir, "back.txt")]);
        assert.equal(back.code, 0, back.stderr);
        assert.equal(await readFile(join(dir, "back.txt"), "utf8"), "from the host\n");
      } finally {
        await t.berth(["rm", "-f", n]);
      }
    } finally {
      await t.berth(["rmi", tag]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test(`${label}: version, info and system df answer from the daemon`, { skip }, async () => {
    const t = target();
    const v = await t.berth(["version"]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^Client:\n Version:/);
    assert.match(v.stdout, /\nServer: /);
    const [bf, df] = [await t.berth(["version", "--format", "{{.Server.Version}}"]), await t.docker(["version", "--format", "{{.Server.Version}}"])];
    assert.equal(bf.stdout, df.stdout);
    const [bi, di] = [await t.berth(["info", "--format", "{{.Images}} {{.Driver}} {{.OSType}}"]), await t.docker(["info", "--format", "{{.Images}} {{.Driver}} {{.OSType}}"])];
    assert.equal(bi.stdout, di.stdout);
    const info = await t.berth(["info"]);
    assert.match(info.stdout, /\nServer:\n Containers: \d+\n  Running: \d+/);
    const sdf = await t.berth(["system", "df"]);
    assert.equal(sdf.code, 0, sdf.stderr);
    assert.match(sdf.stdout, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+\d+/);
    const [bv, dv] = [await t.berth(["system", "df", "-v"]), await t.docker(["system", "df", "-v"])];
    assert.equal(bv.code, 0, bv.stderr);
    const headers = (x: string) => x.split("\n").filter((l) => /^(REPOSITORY|CONTAINER ID|VOLUME NAME|CACHE ID)\s/.test(l) || /space usage:$|^Build cache usage/.test(l));
    assert.deepEqual(headers(bv.stdout), headers(dv.stdout));
    const noDaemon = await t.berth(["-H", "unix:///tmp/berth-test-no-such.sock", "ps"]);
    assert.equal(noDaemon.code, 1);
    assert.match(noDaemon.stderr, /Cannot connect to the berth daemon/);
  });

  test(`${label}: login, push and pull through a registry with Basic auth (credentials from config.json)`, { skip: skip || registrySkipReason() || false }, async () => {
    const t = target();
    const reg = await startRegistry({ auth: "basic" });
    const ref = `${reg.host}/berth-test/cli:1`;
    try {
      const bad = await t.berth(["login", "-u", "berth-test-user", "--password-stdin", reg.host], { stdin: "wrong\n" });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^Error response from daemon: /);
      const login = await t.berth(["login", "-u", "berth-test-user", "--password-stdin", reg.host], { stdin: "berth-test-pass\n" });
      assert.equal(login.code, 0, login.stderr);
      assert.equal(login.stdout, "Login Succeeded\n");
      const config = JSON.parse(await readFile(join(t.home, ".docker", "config.json"), "utf8"));
      assert.equal(config.auths[reg.host].auth, Buffer.from("berth-test-user:berth-test-pass").toString("base64"));

      assert.equal((await t.berth(["tag", "busybox", ref])).code, 0);
      const push = await t.berth(["push", ref]);
      assert.equal(push.code, 0, push.stderr);
      assert.match(push.stdout, new RegExp(`^The push refers to repository \\[${reg.host}/berth-test/cli\\]`));
      assert.match(push.stdout, /\n1: digest: sha256:[0-9a-f]{64} size: \d+\n$/);

      assert.equal((await t.berth(["rmi", ref])).code, 0);
      const pull = await t.berth(["pull", ref]);
      assert.equal(pull.code, 0, pull.stderr);
      assert.equal((await t.berth(["rmi", ref])).code, 0);
      const oracle = await t.docker(["pull", ref]);
      assert.equal(oracle.code, 0, oracle.stderr);
      const lines = (x: string) => x.trim().split("\n").filter((l) => !/: (Waiting|Verifying Checksum|Download complete|Extracting|Already exists)$/.test(l)).sort();
      assert.deepEqual(lines(pull.stdout), lines(oracle.stdout));
      assert.match(pull.stdout, new RegExp(`\nStatus: Downloaded newer image for ${ref}\n${ref}\n$`));
      const again = await t.berth(["pull", "-q", ref]);
      assert.equal(again.stdout, `${ref}\n`);
      // run with a missing image pulls it first (progress on stderr), like docker run.
      assert.equal((await t.berth(["rmi", ref])).code, 0);
      const ran = await t.berth(["run", "--rm", ...t.runFlags, ref, "echo", "pulled-and-ran"]);
      assert.equal(ran.code, 0, ran.stderr);
      assert.equal(ran.stdout, "pulled-and-ran\n");
      assert.match(ran.stderr, new RegExp(`^Unable to find image '${ref}' locally\n1: Pulling from berth-test/cli\n`));
      assert.match(ran.stderr, new RegExp(`Status: Downloaded newer image for ${ref}\n`));

      const logout = await t.berth(["logout", reg.host]);
      assert.equal(logout.stdout, `Removing login credentials for ${reg.host}\n`);
      assert.equal((await t.berth(["logout", reg.host])).stdout, `Not logged in to ${reg.host}\n`);
      await t.berth(["rmi", ref]);
      const denied = await t.berth(["pull", ref]);
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /^Error response from daemon: .*(denied|unauthorized|authentication required|no basic auth credentials)/);
    } finally {
      await t.berth(["rmi", ref]);
      await reg.stop();
    }
  });

  test(`${label}: -it on a terminal (util-linux script gives the CLI a pty): raw input, the container's tty and exit code`, { skip: skip || (existsSync("/usr/bin/script") ? false : "script(1) is not installed") }, async () => {
    const t = target();
    const cmd = [process.execPath, BERTH_BIN, "run", "--rm", "-it", ...t.runFlags, "busybox", "sh", "-c", "tty; read line; echo got:$line; exit 6"].map((a) => `'${a}'`).join(" ");
    const r = await runCli("script-pty", t.sock, t.home, ["-qec", cmd, "/dev/null"], { stdin: "typed\n" });
    assert.equal(r.code, 6, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.match(r.stdout, /got:typed/);
  });

  test(`${label}: pause, unpause, rename, kill, restart, diff, export, stats, prune, events`, { skip }, async () => {
    const t = target();
    const n = name("verbs");
    const n2 = `${n}-renamed`;
    try {
      const started = await t.berth(["run", "-d", "--name", n, ...t.runFlags, "busybox", "sh", "-c", "touch /made-here; exec sleep 60"]);
      assert.equal(started.code, 0, started.stderr);
      const id = started.stdout.trim();
      assert.equal((await t.berth(["pause", n])).stdout, `${n}\n`);
      const paused = [await t.berth(["ps", "--filter", `name=${n}`, "--format", "{{.State}}"]), await t.docker(["ps", "--filter", `name=${n}`, "--format", "{{.State}}"])];
      assert.equal(paused[0]!.stdout, "paused\n");
      assert.equal(paused[0]!.stdout, paused[1]!.stdout);
      assert.equal((await t.berth(["unpause", n])).stdout, `${n}\n`);
      assert.equal((await t.berth(["rename", n, n2])).code, 0);
      let diff = await t.berth(["diff", n2]);
      for (let i = 0; i < 30 && !diff.stdout.includes("A /made-here"); i++) {
        await new Promise((r) => setTimeout(r, 100));
        diff = await t.berth(["diff", n2]);
      }
      assert.equal(diff.stdout, (await t.docker(["diff", n2])).stdout);
      assert.match(diff.stdout, /^A \/made-here$/m);
      const stats = await t.berth(["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", n2]);
      assert.equal(stats.stdout, `${n2} 1\n`, stats.stderr);
      const table = await t.berth(["stats", "--no-stream", n2]);
      assert.match(table.stdout, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS\n[0-9a-f]{12}\s+\S+\s+\d+\.\d\d%\s+\S+ \/ \S+\s+\d+\.\d\d%/);
      const exported = await t.berth(["export", n2]);
      assert.equal(exported.code, 0, exported.stderr);
      assert.ok(exported.out.includes(Buffer.from("made-here")), "the export holds the container's files");
      const imported = await t.berth(["import", "-c", "CMD [\"ls\", \"/made-here\"]", "-", `${n}-img:1`], { stdin: exported.out });
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /^sha256:[0-9a-f]{64}\n$/);
      const fromImport = await t.berth(["run", "--rm", ...t.runFlags, `${n}-img:1`]);
      assert.equal(fromImport.stdout, "/made-here\n", fromImport.stderr);
      assert.equal((await t.berth(["rmi", `${n}-img:1`])).code, 0);
      assert.equal((await t.berth(["restart", "-t", "0", n2])).stdout, `${n2}\n`);
      assert.equal((await t.berth(["inspect", "-f", "{{.State.Running}}", n2])).stdout, "true\n");
      assert.equal((await t.berth(["kill", n2])).stdout, `${n2}\n`);
      assert.equal((await t.berth(["wait", n2])).stdout, "137\n");
      const events = await t.berth(["events", "--since", "2m", "--until", "0s", "--filter", `container=${id}`, "--format", "{{.Action}}"]);
      assert.match(events.stdout, /^pause\nunpause\nrename\n/m);
      assert.match(events.stdout, /\nkill\n/);
      const prune = await t.berth(["container", "prune", "-f", "--filter", "until=1s"], { stdin: "" });
      assert.equal(prune.code, 0, prune.stderr);
      assert.match(prune.stdout, /Total reclaimed space: /);
      const asked = await t.berth(["container", "prune"], { stdin: "n\n" });
      assert.match(asked.stdout, /Are you sure you want to continue\? \[y\/N\] $/);
      const follow = await t.berth(["run", "-d", ...t.runFlags, "busybox", "sh", "-c", "echo a; sleep 1; echo b"]);
      const followed = await t.berth(["logs", "-f", "--tail", "all", follow.stdout.trim()]);
      assert.equal(followed.stdout, "a\nb\n", "logs -f ends when the container exits");
      const tail = await t.berth(["logs", "--tail", "1", "-t", follow.stdout.trim()]);
      assert.match(tail.stdout, /^\d{4}-\d\d-\d\dT\S+Z b\n$/);
      const sys = await t.berth(["system", "prune", "-f"]);
      assert.equal(sys.code, 0, sys.stderr);
      assert.match(sys.stdout, new RegExp(`Deleted Containers:\n(.*\n)*${follow.stdout.trim()}\n`));
      assert.match(sys.stdout, /Total reclaimed space: /);
    } finally {
      await t.berth(["rm", "-f", n, n2]);
    }
  });
}
