/**
 * docker run --volumes-from and the /dev/shm of shared IPC modes against berthd, with the real
 * docker CLI: a copier gets the source's binds, named and anonymous volumes (read-only with :ro,
 * its own mounts winning), the volumes stay in use while it exists, rm -v deletes an anonymous
 * volume only once nobody uses it, a missing source is a 400; --ipc shareable shares its shm
 * tmpfs with containers that join it (a file written in one /dev/shm is read in the other),
 * --ipc host sees the host's /dev/shm, a private donor is refused with moby's error, and the
 * host-side shm mount lives exactly as long as the donor runs.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { daemonSkipReason, mountsUnder, withTestDaemon, type TestDaemon } from "../helpers/daemon.js";

const skip = daemonSkipReason() ?? false;
const suffix = () => randomBytes(4).toString("hex");

const volumeNames = (d: TestDaemon) => (existsSync(join(d.dataRoot, "volumes")) ? readdirSync(join(d.dataRoot, "volumes")) : []);

/** POST /containers/create straight to the daemon's socket: status and message. */
function createRaw(d: TestDaemon, body: unknown): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.sock, path: "/v1.44/containers/create", method: "POST", headers: { "Content-Type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, message: (JSON.parse(text) as { message?: string }).message ?? "" }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

test("--volumes-from: binds, named and anonymous volumes copied; :ro; own mounts win; in use; rm -v; missing source", { skip }, async () => {
  const hostDir = mkdtempSync("/tmp/berth-test-vf-");
  const ownDir = mkdtempSync("/tmp/berth-test-vf-own-");
  try {
    writeFileSync(join(hostDir, "x"), "from-bind\n");
    writeFileSync(join(ownDir, "f"), "own\n");
    await withTestDaemon(async (d) => {
      const s = suffix();
      const named = `berth-test-vf-${s}`;
      const src = `berth-test-src-${s}`;
      await d.ok(["run", "--name", src, "-v", `${hostDir}:/bind:ro`, "-v", `${named}:/named`, "-v", "/anon", "busybox", "sh", "-c", "echo a > /anon/f; echo n > /named/f"]);
      const anon = (JSON.parse(await d.ok(["inspect", src]))[0].Mounts as Array<{ Name?: string; Destination: string }>).find((m) => m.Destination === "/anon")!.Name!;
      assert.match(anon, /^[0-9a-f]{64}$/);

      // Everything of the source, at the same places, with the source's modes.
      const out = await d.ok(["run", "--rm", "--volumes-from", src, "busybox", "sh", "-c", "cat /anon/f /named/f /bind/x; echo w > /named/g && echo named-rw; touch /bind/y 2>/dev/null || echo bind-ro"]);
      assert.equal(out, "a\nn\nfrom-bind\nnamed-rw\nbind-ro");
      // :ro makes every copy read-only.
      assert.equal(await d.ok(["run", "--rm", "--volumes-from", `${src}:ro`, "busybox", "sh", "-c", "cat /named/g; touch /named/h 2>/dev/null || echo named-ro"]), "w\nnamed-ro");
      // A mount the container declares itself at the same destination wins.
      assert.equal(await d.ok(["run", "--rm", "--volumes-from", src, "-v", `${ownDir}:/named`, "busybox", "cat", "/named/f", "/anon/f"]), "own\na");

      // A create that fails after the copies were claimed holds nothing (the volume rm below succeeds).
      const failed = await d.docker(["create", "--volumes-from", src, "--ipc", "bogus", "busybox", "true"]);
      assert.notEqual(failed.code, 0);
      assert.match(failed.stderr, /invalid IPC mode: bogus/);

      // Inspect: VolumesFrom as given, the copies in Mounts (no Mode, as moby copies none).
      const c1 = `berth-test-c1-${s}`;
      await d.ok(["create", "--name", c1, "--volumes-from", `${src}:ro`, "busybox", "true"]);
      const i = JSON.parse(await d.ok(["inspect", c1]))[0];
      assert.deepEqual(i.HostConfig.VolumesFrom, [`${src}:ro`]);
      const mounts = (i.Mounts as Array<{ Type: string; Name?: string; Source: string; Destination: string; RW: boolean; Mode: string }>)
        .map((m) => [m.Type, m.Destination, m.Name ?? "", m.RW, m.Mode]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
      assert.deepEqual(mounts, [["volume", "/anon", anon, false, ""], ["bind", "/bind", "", false, ""], ["volume", "/named", named, false, ""]]);
      // A third container copying from the copier gets the same (chained).
      assert.equal(await d.ok(["run", "--rm", "--volumes-from", c1, "busybox", "cat", "/anon/f"]), "a");

      // The copier holds the volumes: with the source gone they are still in use.
      await d.ok(["rm", src]);
      const inUse = await d.docker(["volume", "rm", named]);
      assert.notEqual(inUse.code, 0);
      assert.match(inUse.stderr, /volume is in use/);
      // rm -v of a copier while another container still uses the anonymous volume keeps it…
      const c2 = `berth-test-c2-${s}`;
      await d.ok(["create", "--name", c2, "--volumes-from", c1, "busybox", "true"]);
      await d.ok(["rm", "-v", c2]);
      assert.ok(volumeNames(d).includes(anon), "rm -v deleted an anonymous volume another container uses");
      // …and the last user's rm -v deletes it (moby removes a copied anonymous volume once unused); never the named one.
      await d.ok(["rm", "-v", c1]);
      assert.ok(!volumeNames(d).includes(anon), "the last user's rm -v left the anonymous volume");
      assert.ok(volumeNames(d).includes(named), "rm -v deleted a named volume");
      await d.ok(["volume", "rm", named]);

      // A missing source: moby's 400 "No such container" (so the CLI does not try to pull), nothing created.
      const missing = `berth-test-missing-${s}`;
      const r = await d.docker(["run", "--rm", "--volumes-from", missing, "busybox", "true"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`No such container: ${missing}`));
      assert.doesNotMatch(r.stderr, /Unable to find image/);
      assert.deepEqual(await createRaw(d, { Image: "busybox", HostConfig: { VolumesFrom: [missing] } }), { status: 400, message: `No such container: ${missing}` });
      assert.equal((await createRaw(d, { Image: "busybox", HostConfig: { VolumesFrom: ["x:rslave"] } })).status, 400);
      assert.equal(await d.ok(["ps", "-aq"]), "");
    });
  } finally {
    rmSync(hostDir, { recursive: true, force: true });
    rmSync(ownDir, { recursive: true, force: true });
  }
});

test("--ipc shareable/container:/host share /dev/shm; private donors are refused; the host-side shm lives while the donor runs", { skip }, async () => {
  const hostFile = `berth-test-shm-${suffix()}`;
  writeFileSync(join("/dev/shm", hostFile), "host-shm\n");
  try {
    await withTestDaemon(async (d) => {
      const s = suffix();
      const x = `berth-test-ipcx-${s}`;
      const id = await d.ok(["run", "-d", "--name", x, "--ipc", "shareable", "--shm-size", "8m", "busybox", "sleep", "1000"]);
      await d.ok(["exec", x, "sh", "-c", "echo from-donor > /dev/shm/f"]);
      assert.equal(await d.ok(["run", "--rm", "--ipc", `container:${x}`, "busybox", "cat", "/dev/shm/f"]), "from-donor");
      await d.ok(["run", "--rm", "--ipc", `container:${x}`, "busybox", "sh", "-c", "echo from-joiner > /dev/shm/g"]);
      assert.equal(await d.ok(["exec", x, "cat", "/dev/shm/g"]), "from-joiner");
      // The donor's --shm-size is the shared tmpfs's size.
      assert.match(await d.ok(["exec", x, "df", "/dev/shm"]), /\s8192\s/);
      // One shm mount on the host while it runs, under its directory; gone once it stops.
      const shmMount = join(d.dataRoot, "containers", id, "mounts", "shm");
      assert.ok((await mountsUnder(d.dir)).includes(shmMount), "no host-side shm mount for a running shareable container");
      // Live restore: berthd killed and restarted, the donor's shm is still there to join.
      await d.crash();
      await d.restart();
      assert.equal(await d.ok(["run", "--rm", "--ipc", `container:${x}`, "busybox", "cat", "/dev/shm/g"]), "from-joiner");
      await d.ok(["stop", "-t", "1", x]);
      assert.ok(!(await mountsUnder(d.dir)).includes(shmMount), "the shm mount outlived the container");
      // A new start is a new tmpfs (as moby: the shm goes with the container's run).
      await d.ok(["start", x]);
      assert.equal(await d.ok(["exec", x, "ls", "/dev/shm"]), "");

      // Default IPC mode is private (inspect says so), and a private donor cannot be joined.
      const p = `berth-test-ipcp-${s}`;
      await d.ok(["run", "-d", "--name", p, "busybox", "sleep", "1000"]);
      assert.equal(await d.ok(["inspect", "-f", "{{.HostConfig.IpcMode}}", p]), "private");
      const r = await d.docker(["run", "--rm", "--ipc", `container:${p}`, "busybox", "true"]);
      assert.notEqual(r.code, 0);
      // The donor is named by its ID: IpcMode was stored as container:<id> at create, as dockerd does.
      const pid = await d.ok(["inspect", "-f", "{{.Id}}", p]);
      assert.match(r.stderr, new RegExp(`failed to join IPC namespace: container ${pid}: non-shareable IPC \\(hint: use IpcMode:shareable for the donor container\\)`));

      // --ipc host: the host's /dev/shm.
      assert.equal(await d.ok(["run", "--rm", "--ipc", "host", "busybox", "cat", `/dev/shm/${hostFile}`]), "host-shm");
      const bad = await d.docker(["create", "--ipc", "bogus", "busybox", "true"]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /invalid IPC mode: bogus/);

      await d.ok(["rm", "-f", x, p]);
      assert.equal(await d.ok(["ps", "-aq"]), "");
      assert.deepEqual((await mountsUnder(d.dir)).filter((m) => m.endsWith("/mounts/shm")), []);
    });
  } finally {
    rmSync(join("/dev/shm", hostFile), { force: true });
  }
});
