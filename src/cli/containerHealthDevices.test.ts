import { test } from "node:test";
import { strict as assert } from "node:assert";
import { buildCreatePlan, CREATE_FLAGS } from "./containerConfig.js";
import { goDurationNs, parseDeviceFlag } from "./containerHealthDevices.js";
import { StatusError } from "./errors.js";
import { parseFlags } from "./flags.js";

const plan = (argv: string[]) => buildCreatePlan(parseFlags(argv, CREATE_FLAGS, "run"), "run", {}, { detach: false, terminal: { stdinTty: false } });
const status = (fn: () => unknown): [number, string] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return [e.code, e.message.split("\n")[0]!];
    throw e;
  }
  assert.fail("expected a StatusError");
};

test("--health-* become Config.Healthcheck in nanoseconds, as docker sends it", () => {
  const b = plan(["--health-cmd", "curl -f localhost", "--health-interval", "1m30s", "--health-timeout", "500ms", "--health-start-period", "2s",
    "--health-start-interval", "1.5s", "--health-retries", "4", "busybox"]).body;
  assert.deepEqual(b.Healthcheck, { Test: ["CMD-SHELL", "curl -f localhost"], Interval: 90e9, Timeout: 5e8, StartPeriod: 2e9, StartInterval: 1.5e9, Retries: 4 });
  // Only a setting, no command: Test stays unset (the image's probe is kept by the daemon).
  assert.deepEqual(plan(["--health-retries", "2", "busybox"]).body.Healthcheck, { Interval: 0, Timeout: 0, StartPeriod: 0, StartInterval: 0, Retries: 2 });
  assert.deepEqual(plan(["--no-healthcheck", "busybox"]).body.Healthcheck, { Test: ["NONE"] });
  assert.equal(plan(["busybox"]).body.Healthcheck, undefined);
});

test("health flag errors: docker's texts and exit 125", () => {
  assert.deepEqual(status(() => plan(["--no-healthcheck", "--health-cmd", "x", "busybox"])), [125, "--no-healthcheck conflicts with --health-* options"]);
  assert.deepEqual(status(() => plan(["--health-interval", "-1s", "busybox"])), [125, "--health-interval cannot be negative"]);
  assert.deepEqual(status(() => plan(["--health-retries", "-1", "busybox"])), [125, "--health-retries cannot be negative"]);
  assert.deepEqual(status(() => plan(["--health-timeout", "5", "busybox"])), [125, 'invalid argument "5" for "--health-timeout" flag: time: invalid duration "5"']);
});

test("Go durations", () => {
  assert.equal(goDurationNs("0", "x", "run"), 0);
  assert.equal(goDurationNs("1h2m3s4ms5us6ns", "x", "run"), 3723004005006);
  assert.equal(goDurationNs("-.5s", "x", "run"), -5e8);
  for (const bad of ["", "s", "1", "1x", "1s2"]) assert.throws(() => goDurationNs(bad, "x", "run"), StatusError, bad);
});

test("--device host[:container][:mode] as docker's opts.go; --device-cgroup-rule checked", () => {
  assert.deepEqual(parseDeviceFlag("/dev/null", "run"), { PathOnHost: "/dev/null", PathInContainer: "/dev/null", CgroupPermissions: "rwm" });
  assert.deepEqual(parseDeviceFlag("/dev/null:/dev/x", "run"), { PathOnHost: "/dev/null", PathInContainer: "/dev/x", CgroupPermissions: "rwm" });
  assert.deepEqual(parseDeviceFlag("/dev/null:r", "run"), { PathOnHost: "/dev/null", PathInContainer: "/dev/null", CgroupPermissions: "r" });
  assert.deepEqual(parseDeviceFlag("/dev/null:/dev//x/:rw", "run"), { PathOnHost: "/dev/null", PathInContainer: "/dev//x/", CgroupPermissions: "rw" });
  assert.deepEqual(parseDeviceFlag("/dev/null:/dev//x/", "run"), { PathOnHost: "/dev/null", PathInContainer: "/dev/x", CgroupPermissions: "rwm" });
  assert.deepEqual(status(() => parseDeviceFlag("/a:/b:/c:r", "run")), [125, 'invalid argument "/a:/b:/c:r" for "--device" flag: bad format for path: /a:/b:/c:r']);
  assert.deepEqual(status(() => parseDeviceFlag("/a:/b:rx", "run")), [125, 'invalid argument "/a:/b:rx" for "--device" flag: bad mode specified: rx']);
  assert.deepEqual(status(() => parseDeviceFlag("/a:b", "run")), [125, 'invalid argument "/a:b" for "--device" flag: b is not an absolute path']);
  const h = plan(["--device", "/dev/zero:/dev/z:r", "--device-cgroup-rule", "c 1:5 rwm", "busybox"]).body.HostConfig!;
  assert.deepEqual([h.Devices, h.DeviceCgroupRules], [[{ PathOnHost: "/dev/zero", PathInContainer: "/dev/z", CgroupPermissions: "r" }], ["c 1:5 rwm"]]);
  assert.deepEqual(status(() => plan(["--device-cgroup-rule", "c 1:5", "busybox"])), [125, `invalid argument "c 1:5" for "--device-cgroup-rule" flag: invalid device cgroup format 'c 1:5'`]);
  assert.equal(plan(["--init", "busybox"]).body.HostConfig!.Init, true);
});
