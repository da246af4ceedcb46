// The bundled CLI's launcher (dist/berth-cli.cjs) and its V8 code cache: made by the first
// command that succeeds (not by `--version`, which compiles almost nothing), then reused as it
// is; a cache for another bundle is replaced. Run on a copy of the built bundle in a temp dir.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const dist = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const built = ["berth-cli.cjs", "berth-cli-bundle.cjs"].every((f) => existsSync(join(dist, f)));

test("the code cache is written by the first successful command, with the bundle's stamp, and then kept", { skip: built ? false : "the bundle is not built (npm run build:cli)" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-test-launcher-"));
  const sock = join(dir, "d.sock");
  const server = createServer((req, res) => {
    if (req.url === "/_ping") return void res.writeHead(200, { "Api-Version": "1.45" }).end("OK");
    if (req.url?.startsWith("/v1.45/containers/json")) return void res.writeHead(200, { "Content-Type": "application/json" }).end("[]");
    res.writeHead(404, { "Content-Type": "application/json" }).end('{"message":"page not found"}');
  });
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    for (const f of ["berth-cli.cjs", "berth-cli-bundle.cjs"]) copyFileSync(join(dist, f), join(dir, f));
    const cache = join(dir, "berth-cli-bundle.cjs.cache");
    // Asynchronous: the stand-in daemon answers from this process.
    const berth = (...args: string[]) => new Promise<{ status: number; stderr: string }>((done) => {
      const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, DOCKER_HOST: `unix://${sock}` };
      execFile(process.execPath, [join(dir, "berth-cli.cjs"), ...args], { env }, (e, _out, stderr) => {
        done({ status: e ? (typeof e.code === "number" ? e.code : -1) : 0, stderr });
      });
    });

    assert.equal((await berth("--version")).status, 0);
    assert.equal(existsSync(cache), false, "--version alone makes no cache");
    assert.equal((await berth("-H", "unix:///nonexistent/berth-test.sock", "ps")).status, 1);
    assert.equal(existsSync(cache), false, "a failed command makes no cache");

    const ps = await berth("ps");
    assert.equal(ps.status, 0, ps.stderr);
    const st = statSync(join(dir, "berth-cli-bundle.cjs"));
    const written = readFileSync(cache);
    const stamp = `${st.size}:${st.mtimeMs}:${process.version}\n`;
    assert.equal(written.subarray(0, stamp.length).toString("latin1"), stamp);
    // No metafile beside this copy: the bundle's source list is empty.
    assert.equal(written.subarray(stamp.length, stamp.length + 3).toString(), "[]\n");
    assert.ok(written.length > stamp.length + 3 + 10_000, "V8's code cache follows");

    const before = statSync(cache).mtimeMs;
    assert.equal((await berth("ps")).status, 0);
    assert.equal(statSync(cache).mtimeMs, before, "an accepted cache is not rewritten");

    // A cache of another build (the bundle changed since): replaced by the next command.
    utimesSync(join(dir, "berth-cli-bundle.cjs"), new Date(), new Date(Date.now() + 5000));
    assert.equal((await berth("ps")).status, 0);
    assert.notEqual(statSync(cache).mtimeMs, before);
    const st2 = statSync(join(dir, "berth-cli-bundle.cjs"));
    assert.ok(readFileSync(cache).toString("latin1").startsWith(`${st2.size}:${st2.mtimeMs}:`));

    // A damaged cache is not trusted: the command still works and the cache is rewritten.
    writeFileSync(cache, `${st2.size}:${st2.mtimeMs}:${process.version}\nnot json\ngarbage`);
    assert.equal((await berth("ps")).status, 0);
    assert.ok(readFileSync(cache).length > 10_000);
  } finally {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
