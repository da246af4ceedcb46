import { test } from "node:test";
import { strict as assert } from "node:assert";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Spec } from "../../oci/runtime.js";
import { applyInit, findInitBinary } from "./initProcess.js";

test("the init runs first with -- before the command, bind-mounted read-only at /sbin/docker-init", () => {
  const spec: Spec = { ociVersion: "1.0.2", process: { args: ["sleep", "5"], cwd: "/" }, mounts: [] } as unknown as Spec;
  applyInit(spec, "/usr/bin/tini-static");
  assert.deepEqual(spec.process!.args, ["/sbin/docker-init", "--", "sleep", "5"]);
  assert.deepEqual(spec.mounts, [{ destination: "/sbin/docker-init", type: "bind", source: "/usr/bin/tini-static", options: ["bind", "ro"] }]);
});

test("docker-init on PATH comes first; an empty PATH falls back to the libexec dirs or tini-static", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-init-"));
  try {
    writeFileSync(join(dir, "docker-init"), "#!/bin/sh\n");
    chmodSync(join(dir, "docker-init"), 0o755);
    assert.equal(findInitBinary(dir), join(dir, "docker-init"));
    assert.match(findInitBinary(""), /docker-init$|tini-static$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
