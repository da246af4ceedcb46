/**
 * berthd end to end: what `docker run` does in its different shapes — exit codes of failed
 * starts, resource limits seen from inside the container, restart policies, a missing image,
 * the attached form.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { readFile } from "node:fs/promises";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

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

test("a missing command fails the start with Docker's text and the CLI exits 127", { skip }, async () => {
  await withDaemon(async (d) => {
    const r = await d.docker(["run", "-d", "--name", "nocmd", "busybox", "berth-no-such-command"]);
    assert.equal(r.code, 127, r.stderr);
    assert.match(r.stderr, /failed to create task for container: .*exec: "berth-no-such-command": executable file not found in \$PATH: unknown/);
    const st = JSON.parse(await d.ok(["inspect", "-f", "{{json .State}}", "nocmd"]));
    assert.equal(st.Status, "created");
    assert.equal(st.ExitCode, 127);
    assert.match(st.Error, /executable file not found/);
    // The failed start left nothing running or mounted: it can be removed without force.
    await d.ok(["rm", "nocmd"]);
  });
});

test("a missing image makes the CLI try to pull it (no registry here: a clear failure)", { skip }, async () => {
  await withDaemon(async (d) => {
    const r = await d.docker(["run", "-d", "berth-test-no-such-image"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unable to find image 'berth-test-no-such-image:latest' locally/);
    assert.equal(await d.ok(["ps", "-aq"]), "");
  });
});

test("--memory, --cpus and --pids-limit are what the container sees in its cgroups", { skip }, async () => {
  await withDaemon(async (d) => {
    const out = `${d.dir}/limits`;
    const script = "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/pids/pids.max > /out/limits";
    const id = await d.ok(["run", "-d", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "42", "-v", `${d.dir}:/out`, "busybox", "sh", "-c", script]);
    assert.equal(await d.ok(["wait", id]), "0");
    assert.deepEqual((await readFile(out, "utf8")).trim().split("\n"), [String(64 * 1024 * 1024), "50000", "100000", "42"]);
    const hc = JSON.parse(await d.ok(["inspect", "-f", "{{json .HostConfig}}", id]));
    assert.equal(hc.Memory, 64 * 1024 * 1024);
    assert.equal(hc.NanoCpus, 500_000_000);
    assert.equal(hc.PidsLimit, 42);
  });
});

test("docker update changes a running container's cgroup", { skip }, async () => {
  await withDaemon(async (d) => {
    const id = await d.ok(["run", "-d", "--pids-limit", "42", "busybox", "sleep", "100"]);
    await d.ok(["update", "--pids-limit", "17", id]);
    assert.equal((await readFile(`/sys/fs/cgroup/pids/berth/${id}/pids.max`, "utf8")).trim(), "17");
    assert.equal(await d.ok(["inspect", "-f", "{{.HostConfig.PidsLimit}}", id]), "17");
  });
});

test("restart policy on-failure:2 restarts twice, then stays exited", { skip }, async () => {
  await withDaemon(async (d) => {
    const id = await d.ok(["run", "-d", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 5"]);
    let st: { Status: string; ExitCode: number } = { Status: "", ExitCode: -1 };
    let count = -1;
    for (let i = 0; i < 100; i++) {
      const info = JSON.parse(await d.ok(["inspect", id]))[0];
      st = info.State;
      count = info.RestartCount;
      if (st.Status === "exited" && count === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(st.Status, "exited");
    assert.equal(st.ExitCode, 5);
    assert.equal(count, 2);
    // No third attempt comes later.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await d.ok(["inspect", "-f", "{{.RestartCount}} {{.State.Status}}", id]), "2 exited");
  });
});

test("--rm with -d removes the container when it exits; docker wait reports the code", { skip }, async () => {
  await withDaemon(async (d) => {
    const id = await d.ok(["run", "-d", "--rm", "busybox", "sh", "-c", "sleep 0.3; exit 4"]);
    const w = await d.docker(["wait", id]);
    assert.equal(w.stdout.trim(), "4");
    for (let i = 0; i < 50 && (await d.ok(["ps", "-aq"])) !== ""; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await d.ok(["ps", "-aq"]), "");
  });
});

test("docker run --rm busybox echo hi prints hi and exits 0 (attached)", { skip }, async (t) => {
  await withDaemon(async (d) => {
    const r = await d.docker(["run", "--rm", "busybox", "echo", "hi"]);
    if (/received 501|container attach is not implemented/.test(r.stderr)) {
      t.skip("attach is not wired into berthd yet (the container streams part)");
      return;
    }
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "hi\n");
    const fail = await d.docker(["run", "--rm", "busybox", "sh", "-c", "echo oops >&2; exit 3"]);
    assert.equal(fail.code, 3);
    assert.equal(fail.stderr.split("\n").filter((l) => !l.startsWith("WARNING")).join("\n"), "oops\n");
  });
});

test("docker run --rm with a missing command: 127, and the container is removed", { skip }, async () => {
  await withDaemon(async (d) => {
    const r = await d.docker(["run", "--rm", "busybox", "berth-no-such-command"], { timeoutMs: 20_000 });
    assert.equal(r.code, 127, r.stderr);
    assert.match(r.stderr, /executable file not found in \$PATH/);
    assert.equal(await d.ok(["ps", "-aq"]), "");
  });
});

test("HostConfig: privileged, read-only rootfs, tmpfs, shm size, ulimits, capabilities, no-new-privileges, user", { skip }, async () => {
  await withDaemon(async (d) => {
    const run = (args: string[]) => d.ok(["run", "--rm", "--network", "none", ...args]);
    const status = (out: string, key: string) => new RegExp(`^${key}:\\s*(\\S+)$`, "m").exec(out)?.[1];
    const plain = await run(["busybox", "cat", "/proc/self/status"]);
    const priv = await run(["--privileged", "busybox", "cat", "/proc/self/status"]);
    assert.equal(status(plain, "Seccomp"), "2", "Docker's default seccomp profile");
    assert.equal(status(priv, "Seccomp"), "0", "privileged: no seccomp");
    assert.ok(BigInt(`0x${status(priv, "CapEff")}`) > BigInt(`0x${status(plain, "CapEff")}`), "privileged: more capabilities");
    assert.ok(Number(await run(["--privileged", "busybox", "sh", "-c", "ls /dev | wc -l"])) > Number(await run(["busybox", "sh", "-c", "ls /dev | wc -l"])), "privileged: the host's devices");

    const ro = await d.docker(["run", "--rm", "--read-only", "busybox", "touch", "/x"]);
    assert.equal(ro.code, 1);
    assert.match(ro.stderr, /Read-only file system/);
    assert.match(await run(["--tmpfs", "/run:size=1m", "busybox", "sh", "-c", "mount | grep ' /run '"]), /tmpfs on \/run type tmpfs \(rw,nosuid,nodev,noexec,.*size=1024k/);
    assert.match(await run(["--shm-size", "8m", "busybox", "df", "/dev/shm"]), /shm\s+8192\s/);
    assert.equal(await run(["--ulimit", "nofile=123:456", "busybox", "sh", "-c", "ulimit -n"]), "123");
    assert.equal(status(await run(["--cap-drop", "ALL", "--cap-add", "NET_ADMIN", "busybox", "cat", "/proc/self/status"]), "CapEff"), "0000000000001000");
    assert.equal(status(await run(["--security-opt", "no-new-privileges", "busybox", "cat", "/proc/self/status"]), "NoNewPrivs"), "1");
    assert.equal(await run(["--user", "1000:1000", "busybox", "id"]), "uid=1000 gid=1000");
    assert.equal(await run(["--hostname", "berth-test-host", "-e", "FOO=bar", "-w", "/tmp", "busybox", "sh", "-c", "echo $(hostname) $FOO $(pwd)"]), "berth-test-host bar /tmp");
  });
});

test("what berth cannot do yet is refused with a clear message", { skip }, async () => {
  await withDaemon(async (d) => {
    const vol = await d.docker(["run", "--rm", "--mount", "type=volume,dst=/data,volume-opt=type=tmpfs", "busybox", "true"]);
    assert.equal(vol.code, 125);
    assert.match(vol.stderr, /driver options are not implemented in berth yet/);
    const bind = await d.docker(["run", "--rm", "--mount", "type=bind,source=/berth-test-nonexistent,target=/x", "busybox", "true"]);
    assert.match(bind.stderr, /bind source path does not exist: \/berth-test-nonexistent/);
    const net = await d.docker(["run", "--rm", "--network", "berth-test-no-such-network", "busybox", "true"]);
    assert.match(net.stderr, /failed to set up container networking: network berth-test-no-such-network not found/);
    // (moby creates that one and fails its start, where networks are looked up; --rm removes it.)
    assert.equal(await d.ok(["ps", "-aq"]), "", "refused creates leave nothing");
  });
});

test("a container over its memory limit is OOM-killed and inspect says so", { skip }, async () => {
  await withDaemon(async (d) => {
    const r = await d.docker(["run", "--name", "berth-test-oom", "--memory", "8m", "--memory-swap", "8m", "busybox", "sh", "-c", "x=$(head -c 60000000 /dev/zero | tr '\\0' a); echo ${#x}"]);
    assert.equal(r.code, 137, r.stderr);
    assert.equal(await d.ok(["inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "berth-test-oom"]), "true 137");
  });
});

test("start again, restart, and restart policy always stops for docker stop", { skip }, async () => {
  await withDaemon(async (d) => {
    const id = await d.ok(["run", "-d", "busybox", "sleep", "100"]);
    const pid1 = await d.ok(["inspect", "-f", "{{.State.Pid}}", id]);
    await d.ok(["stop", "-t", "0", id]);
    await d.ok(["start", id]);
    const pid2 = await d.ok(["inspect", "-f", "{{.State.Status}} {{.State.Pid}}", id]);
    assert.match(pid2, /^running \d+$/);
    assert.notEqual(pid2.split(" ")[1], pid1);
    await d.ok(["restart", "-t", "0", id]);
    assert.match(await d.ok(["inspect", "-f", "{{.State.Status}} {{.RestartCount}}", id]), /^running 0$/);

    const al = await d.ok(["run", "-d", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2; exit 1"]);
    let count = 0;
    for (let i = 0; i < 50 && count < 2; i++) {
      count = Number(await d.ok(["inspect", "-f", "{{.RestartCount}}", al]));
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(count >= 2, `restarted ${count} times`);
    await d.ok(["stop", "-t", "1", al]);
    const after = await d.ok(["inspect", "-f", "{{.State.Status}} {{.RestartCount}}", al]);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await d.ok(["inspect", "-f", "{{.State.Status}} {{.RestartCount}}", al]), after, "a stopped container is not restarted");
    assert.match(after, /^exited /);
  });
});
