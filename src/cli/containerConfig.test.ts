import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCreatePlan, CREATE_FLAGS } from "./containerConfig.js";
import { parseFlags } from "./flags.js";

const plan = (argv: string[], o: { detach?: boolean; env?: NodeJS.ProcessEnv } = {}) =>
  buildCreatePlan(parseFlags(argv, CREATE_FLAGS, "run"), "run", o.env ?? {}, { detach: o.detach ?? false, terminal: { stdinTty: false } });

test("docker's mapping of run flags to the create body", () => {
  const p = plan(["--name", "web", "-e", "A=1", "-e", "HOME_X", "-l", "k=v", "-w", "/srv", "-u", "1000", "--entrypoint", "", "--read-only",
    "--tmpfs", "/run:size=1m", "-v", "/host:/ctr:ro", "-v", "/anon", "--cap-add", "NET_ADMIN", "--memory", "64m", "--memory-swap", "-1",
    "--cpus", "1.5", "--pids-limit", "10", "--ulimit", "nofile=10:20", "--restart", "on-failure:3", "--stop-signal", "SIGINT", "--stop-timeout", "5",
    "--log-opt", "max-size=1m", "--init", "--network", "none", "--shm-size", "1g", "busybox", "sh", "-c", "x"], { env: { HOME_X: "/h" } });
  assert.equal(p.name, "web");
  assert.equal(p.image, "busybox");
  const b = p.body;
  assert.deepEqual(b.Cmd, ["sh", "-c", "x"]);
  assert.deepEqual(b.Env, ["A=1", "HOME_X=/h"]);
  assert.deepEqual(b.Labels, { k: "v" });
  assert.deepEqual(b.Entrypoint, [""]);
  assert.deepEqual(b.Volumes, { "/anon": {} });
  assert.equal(b.StopSignal, "SIGINT");
  assert.equal(b.StopTimeout, 5);
  assert.deepEqual([b.AttachStdin, b.AttachStdout, b.AttachStderr, b.OpenStdin, b.Tty], [false, true, true, false, false]);
  const h = b.HostConfig!;
  assert.deepEqual(h.Binds, ["/host:/ctr:ro"]);
  assert.deepEqual(h.Tmpfs, { "/run": "size=1m" });
  assert.equal(h.ReadonlyRootfs, true);
  assert.equal(h.Memory, 64 * 1024 * 1024);
  assert.equal(h.MemorySwap, -1);
  assert.equal(h.NanoCpus, 1_500_000_000);
  assert.equal(h.PidsLimit, 10);
  assert.deepEqual(h.Ulimits, [{ Name: "nofile", Soft: 10, Hard: 20 }]);
  assert.deepEqual(h.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 });
  assert.deepEqual(h.LogConfig, { Type: "", Config: { "max-size": "1m" } });
  assert.equal(h.Init, true);
  assert.equal(h.NetworkMode, "none");
  assert.equal(h.ShmSize, 1024 ** 3);
});

test("-i attaches stdin once; -d attaches nothing; defaults", () => {
  const i = plan(["-i", "busybox"]).body;
  assert.deepEqual([i.AttachStdin, i.OpenStdin, i.StdinOnce, i.Cmd], [true, true, true, null]);
  const d = plan(["-i", "busybox"], { detach: true }).body;
  assert.deepEqual([d.AttachStdin, d.AttachStdout, d.AttachStderr, d.OpenStdin, d.StdinOnce], [false, false, false, true, false]);
  assert.equal(plan(["busybox"]).body.HostConfig!.NetworkMode, "default");
  const a = plan(["-a", "stderr", "busybox"]).body;
  assert.deepEqual([a.AttachStdin, a.AttachStdout, a.AttachStderr], [false, false, true]);
});

test("env files, and flag errors with docker's words (exit 125)", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-envfile-"));
  try {
    writeFileSync(join(dir, "env"), "# comment\nX=1\n\nY\n");
    assert.deepEqual(plan(["--env-file", join(dir, "env"), "busybox"], { env: { Y: "2" } }).body.Env, ["X=1", "Y=2"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const err = (argv: string[], re: RegExp) => assert.throws(() => plan(argv), (e: Error & { code?: number }) => re.test(e.message) && e.code === 125);
  err(["--memory", "lots", "busybox"], /invalid argument "lots" for "--memory" flag/);
  err(["--restart", "sometimes", "busybox"], /unknown policy 'sometimes'/);
  err(["--rm", "--restart", "always", "busybox"], /cannot specify both --restart and --rm/);
  err(["--ulimit", "nofile=20:10", "busybox"], /soft limit must be less than or equal to hard limit/);
  err(["--cpus", "x", "busybox"], /for "--cpus" flag/);
});

test("network flags: -p/-P/--expose, --network (several), --ip, --network-alias, --mac-address, DNS", () => {
  const b = plan(["-p", "127.0.0.1:8080:80", "-p", "[::1]:5353:53/udp", "-P", "--expose", "90-91", "--network", "berth-a", "--net", "berth-b",
    "--ip", "10.200.3.7", "--network-alias", "web", "--net-alias", "www", "--mac-address", "02:42:ac:11:00:02",
    "--dns", "10.0.0.2", "--dns-search", "example.com", "--dns-option", "ndots:2", "--add-host", "h:1.2.3.4", "--hostname", "box", "busybox"]).body;
  assert.deepEqual(b.ExposedPorts, { "80/tcp": {}, "53/udp": {}, "90/tcp": {}, "91/tcp": {} });
  assert.equal(b.Hostname, "box");
  const h = b.HostConfig!;
  assert.deepEqual(h.PortBindings, { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }], "53/udp": [{ HostIp: "::1", HostPort: "5353" }] });
  assert.equal(h.PublishAllPorts, true);
  // --net values come first, as if given first (docker keeps one list in argument order).
  assert.equal(h.NetworkMode, "berth-b");
  assert.deepEqual(b.NetworkingConfig, { EndpointsConfig: {
    "berth-b": { Aliases: ["web", "www"], IPAMConfig: { IPv4Address: "10.200.3.7" }, MacAddress: "02:42:ac:11:00:02" },
    "berth-a": {},
  } });
  assert.deepEqual([h.Dns, h.DnsSearch, h.DnsOptions, h.ExtraHosts], [["10.0.0.2"], ["example.com"], ["ndots:2"], ["h:1.2.3.4"]]);

  const d = plan(["busybox"]).body;
  assert.deepEqual(d.NetworkingConfig, { EndpointsConfig: { default: {} } });
  assert.deepEqual(d.HostConfig!.PortBindings, {});
  assert.equal(d.ExposedPorts, undefined);
  assert.equal(d.HostConfig!.PublishAllPorts, undefined);
  const one = plan(["--network", "container:abc", "busybox"]).body;
  assert.equal(one.HostConfig!.NetworkMode, "container:abc");
  assert.deepEqual(one.NetworkingConfig, { EndpointsConfig: {} });
});

test("bad network flags are flag errors (exit 125) in docker's words", () => {
  const err = (argv: string[], message: string) =>
    assert.throws(() => plan([...argv, "busybox"]), (e: Error & { code?: number }) => e.message === `${message}\nSee 'berth run --help'.` && e.code === 125, message);
  err(["-p", "x"], "invalid containerPort: x");
  err(["-p", "80/xyz"], "invalid proto: xyz");
  err(["-p", "1.2.3:80:80"], "invalid IP address: 1.2.3");
  err(["-p", "8000-8010:80-85"], "invalid ranges specified for container and host Ports: 80-85 and 8000-8010");
  err(["--expose", "80:90"], "invalid port format for --expose: 80:90");
  err(["--network", "foo=bar"], 'invalid argument "foo=bar" for "--network" flag: invalid field key foo');
  err(["--network", "a", "--network", "a"], 'network "a" is specified multiple times');
  err(["--network", "host", "--network", "a"], "conflicting options: cannot attach both user-defined and non-user-defined network-modes");
  err(["--network-alias", "x"], "network-scoped aliases are only supported for user-defined networks");
  err(["--mac-address", "zz"], "zz is not a valid mac address");
  err(["--dns", "x"], 'invalid argument "x" for "--dns" flag: IP address is not correctly formatted: x');
  err(["--dns-search", "a_b"], 'invalid argument "a_b" for "--dns-search" flag: a_b is not a valid domain');
  // Valid search domains: ".", a trailing dot.
  assert.deepEqual(plan(["--dns-search", ".", "--dns-search", "corp.example.", "busybox"]).body.HostConfig!.DnsSearch, [".", "corp.example."]);
});
