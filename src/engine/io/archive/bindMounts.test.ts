import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBindMounts } from "./bindMounts.js";

test("the spec's binds are the container's mounts for cp; kernel views and non-binds are left out", async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-binds-"));
  try {
    const spec = join(dir, "config.json");
    assert.deepEqual(await readBindMounts(spec), [], "no spec: no mounts");
    writeFileSync(spec, JSON.stringify({ ociVersion: "1.0.2", mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "ro"] },
      { destination: "/dev/shm", type: "bind", source: "/host/shm", options: ["rbind"] },
      { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid"] },
      { destination: "/etc/hosts", type: "bind", source: "/c/hosts", options: ["rbind", "rprivate"] },
      { destination: "/data", type: "bind", source: "/v/_data", options: ["rbind", "rw", "rprivate"] },
      { destination: "/cfg", type: "none", source: "/host/cfg", options: ["bind", "ro"] },
    ] }));
    assert.deepEqual(await readBindMounts(spec), [
      { destination: "/etc/hosts", source: "/c/hosts", readOnly: false },
      { destination: "/data", source: "/v/_data", readOnly: false },
      { destination: "/cfg", source: "/host/cfg", readOnly: true },
    ]);
    writeFileSync(spec, "{not json");
    await assert.rejects(readBindMounts(spec), /archive: read the container's mounts from .*config\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
