import { test } from "node:test";
import { strict as assert } from "node:assert";
import { humanDuration } from "./humanDuration.js";
import { parseUntil } from "./listFilters.js";
import { logLimits, parseSize } from "./logOptions.js";
import { generateName, normalizeName } from "./names.js";
import { nextBackoff, shouldRestart, validateRestartPolicy } from "./restartPolicy.js";
import { ociResources, ociRlimits } from "./hostResources.js";
import { securityOptions } from "./buildSpec.js";

test("names: Docker's rule and generated adjective_surname names", () => {
  assert.equal(normalizeName("/web"), "web");
  assert.equal(normalizeName("a.b-c_d"), "a.b-c_d");
  assert.throws(() => normalizeName("k"), /Invalid container name \(k\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed/);
  assert.throws(() => normalizeName("-x"), /Invalid container name/);
  assert.match(generateName(() => false), /^[a-z]+_[a-z]+$/);
  let calls = 0;
  assert.match(generateName(() => calls++ === 0), /^[a-z]+_[a-z]+\d$/, "a digit after a collision");
});

test("restart policies and Docker's back-off", () => {
  validateRestartPolicy({ Name: "on-failure", MaximumRetryCount: 2 });
  assert.throws(() => validateRestartPolicy({ Name: "always", MaximumRetryCount: 2 }), /maximum retry count/);
  assert.throws(() => validateRestartPolicy({ Name: "sometimes" as "always" }), /unknown policy 'sometimes'/);
  const p = { Name: "on-failure" as const, MaximumRetryCount: 2 };
  assert.equal(shouldRestart(p, { exitCode: 1, restartCount: 0, manuallyStopped: false }), true);
  assert.equal(shouldRestart(p, { exitCode: 1, restartCount: 2, manuallyStopped: false }), false);
  assert.equal(shouldRestart(p, { exitCode: 0, restartCount: 0, manuallyStopped: false }), false);
  assert.equal(shouldRestart({ Name: "always" }, { exitCode: 0, restartCount: 9, manuallyStopped: true }), false);
  assert.equal(shouldRestart({ Name: "unless-stopped" }, { exitCode: 0, restartCount: 9, manuallyStopped: false }), true);
  assert.equal(nextBackoff(0, 0), 100);
  assert.equal(nextBackoff(100, 50), 200);
  assert.equal(nextBackoff(800, 20_000), 100, "reset after 10 s of running");
  assert.equal(nextBackoff(40_000, 0), 60_000);
});

test("resources: Docker's defaults and checks", () => {
  const w: string[] = [];
  const r = ociResources({ Memory: 64 << 20, NanoCpus: 1.5e9, PidsLimit: 10, CpuShares: 512, BlkioWeight: 300 }, w);
  assert.equal(r.memory?.limit, 64 << 20);
  assert.deepEqual(r.cpu, { period: 100000, quota: 150000, shares: 512 });
  assert.deepEqual(r.pids, { limit: 10 });
  assert.deepEqual(r.blockIO, { weight: 300 });
  assert.throws(() => ociResources({ Memory: 1024 }, []), /Minimum memory limit allowed is 6MB/);
  assert.throws(() => ociResources({ NanoCpus: 1e9, CpuQuota: 50000 }, []), /Conflicting options/);
  assert.throws(() => ociResources({ MemorySwap: 100 << 20 }, []), /always set the Memory limit/);
  assert.deepEqual(ociRlimits([{ Name: "nofile", Soft: 100, Hard: 200 }]), [{ type: "RLIMIT_NOFILE", soft: 100, hard: 200 }]);
  assert.throws(() => ociRlimits([{ Name: "nofile", Soft: 300, Hard: 200 }]), /soft limit/);
});

test("log options are bounded by default and parsed like docker's", () => {
  assert.deepEqual(logLimits(undefined), { maxSize: 10 << 20, maxFiles: 3 });
  assert.deepEqual(logLimits({ Type: "json-file", Config: { "max-size": "1m", "max-file": "5" } }), { maxSize: 1 << 20, maxFiles: 5 });
  assert.equal(parseSize("512k", "x"), 512 * 1024);
  assert.throws(() => logLimits({ Type: "syslog" }), /not supported by berth/);
  assert.throws(() => logLimits({ Type: "json-file", Config: { "max-file": "0" } }), /max-file/);
});

test("security options, both spellings", () => {
  assert.deepEqual(securityOptions(["no-new-privileges"]), { noNewPrivileges: true, seccomp: "default" });
  assert.deepEqual(securityOptions(["no-new-privileges:true", "seccomp=unconfined"]), { noNewPrivileges: true, seccomp: "unconfined" });
  assert.deepEqual(securityOptions(["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}"]).seccomp, { json: "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}" });
  assert.throws(() => securityOptions(["bogus=1"]), /invalid --security-opt 2/);
  assert.throws(() => securityOptions(["apparmor=docker-default"]), /AppArmor profiles are not supported/);
});

test("durations and times: go-units wording, prune's until", () => {
  assert.equal(humanDuration(500), "Less than a second");
  assert.equal(humanDuration(1000), "1 second");
  assert.equal(humanDuration(59_000), "59 seconds");
  assert.equal(humanDuration(61_000), "About a minute");
  assert.equal(humanDuration(3 * 3600_000), "3 hours");
  assert.equal(humanDuration(3 * 86400_000), "3 days");
  assert.equal(parseUntil("1700000000"), 1_700_000_000_000);
  assert.equal(parseUntil("1h30m", 10_000_000), 10_000_000 - 5_400_000);
  assert.equal(parseUntil("2024-01-01T00:00:00Z"), Date.parse("2024-01-01T00:00:00Z"));
  assert.throws(() => parseUntil("tomorrow"), /failed to parse value as time or duration/);
});
