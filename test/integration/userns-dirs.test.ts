/**
 * openContainerDirs and openVolumes on real directories (chown needs root): what the remapped
 * root is given, and the refusal that names a directory it cannot pass.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openContainerDirs, openVolumes } from "../../src/engine/containers/usernsContainer.js";
import type { UsernsMapping } from "../../src/engine/containers/usernsHost.js";

const skip = process.getuid?.() !== 0 ? "needs root (chown)" : false;
const m: UsernsMapping = { name: "test", uids: [{ containerID: 0, hostID: 300000, size: 65536 }], gids: [{ containerID: 0, hostID: 310000, size: 65536 }] };

test("openContainerDirs: containers dir 0711, the container's root:<gid> 0710; a closed parent is named", { skip }, async () => {
  const top = await mkdtemp("/tmp/berth-test-userns-dirs-");
  try {
    const containers = join(top, "data", "containers");
    const dir = join(containers, "abc");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(containers, 0o700);
    await chmod(dir, 0o700);
    await chmod(top, 0o700);
    await chmod(join(top, "data"), 0o711);
    await assert.rejects(openContainerDirs(dir, m), (e: Error & { kind?: string }) => e.kind === "FailedPrecondition" && e.message.includes(`directory ${top} (mode 700) does not let the remapped root (uid 300000, gid 310000) through`));
    await chmod(top, 0o711);
    await openContainerDirs(dir, m);
    assert.equal((await stat(containers)).mode & 0o7777, 0o711);
    const st = await stat(dir);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [0, 310000, 0o710]);
  } finally {
    await rm(top, { recursive: true, force: true });
  }
});

test("openVolumes: an empty host-root volume goes to the remapped root; a filled or owned one is left", { skip }, async () => {
  const top = await mkdtemp("/tmp/berth-test-userns-vols-");
  try {
    const [empty, filled] = [join(top, "a"), join(top, "b")];
    await mkdir(empty);
    await mkdir(filled);
    await writeFile(join(filled, "f"), "x");
    await openVolumes([{ source: empty }, { source: filled }, { source: join(top, "missing") }], m);
    assert.deepEqual([(await stat(empty)).uid, (await stat(empty)).gid], [300000, 310000]);
    assert.equal((await stat(filled)).uid, 0);
  } finally {
    await rm(top, { recursive: true, force: true });
  }
});
