import { test } from "node:test";
import { strict as assert } from "node:assert";
import { commitReference, mergeContainerConfig } from "./commitBackend.js";

test("the request's config wins; the container's fills the gaps (moby's merge)", () => {
  const container = {
    User: "app", Env: ["PATH=/bin", "A=1"], Cmd: ["sleep", "1"], Entrypoint: null, WorkingDir: "/w", Labels: { l: "c", keep: "1" },
    ExposedPorts: { "80/tcp": {} }, Volumes: { "/data": {} }, StopSignal: "SIGINT", Healthcheck: { Test: ["CMD", "true"], Retries: 3 },
  };
  const out = mergeContainerConfig({ Env: ["A=2"], Labels: { l: "u" }, ExposedPorts: { "90/tcp": {} }, Healthcheck: { Interval: 5 } }, container);
  assert.deepEqual(out.Env, ["A=2", "PATH=/bin"]);
  assert.deepEqual(out.Labels, { l: "u", keep: "1" });
  assert.deepEqual(out.ExposedPorts, { "80/tcp": {}, "90/tcp": {} });
  assert.deepEqual(out.Healthcheck, { Test: ["CMD", "true"], Interval: 5, Retries: 3, Timeout: undefined, StartPeriod: undefined });
  assert.deepEqual([out.User, out.Cmd, out.Entrypoint, out.WorkingDir, out.StopSignal], ["app", ["sleep", "1"], null, "/w", "SIGINT"]);
  assert.deepEqual(out.Volumes, { "/data": {} });
  // A new ENTRYPOINT drops the container's Cmd; a new CMD keeps its Entrypoint.
  const ep = mergeContainerConfig({ Entrypoint: ["/x"] }, { Cmd: ["a"], Entrypoint: ["/old"] });
  assert.deepEqual([ep.Entrypoint, ep.Cmd], [["/x"], undefined]);
  const cmd = mergeContainerConfig({ Cmd: ["b"] }, { Cmd: ["a"], Entrypoint: ["/old"] });
  assert.deepEqual([cmd.Entrypoint, cmd.Cmd], [["/old"], ["b"]]);
});

test("repo and tag: latest by default, a tag needs a repository, no digests", () => {
  assert.equal(commitReference(undefined, undefined), undefined);
  assert.equal(commitReference("app", undefined), "docker.io/library/app:latest");
  assert.equal(commitReference("reg:5000/x/app", "v2"), "reg:5000/x/app:v2");
  assert.throws(() => commitReference(undefined, "v1"), /tag is specified without a repository/);
  assert.throws(() => commitReference(`app@sha256:${"a".repeat(64)}`, undefined), /digest/);
  assert.throws(() => commitReference("UPPER", undefined), { kind: "InvalidArgument" });
});
