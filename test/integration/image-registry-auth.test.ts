import { test, after } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm, stat, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { FsContentStore } from "../../src/image/content/FsContentStore.js";
import { RegistryClient } from "../../src/image/registry/RegistryClient.js";
import { pullImage } from "../../src/image/registry/pull.js";
import { pushImage } from "../../src/image/registry/push.js";
import { login, logout } from "../../src/image/registry/login.js";
import { parseReference } from "../../src/image/reference.js";
import { isEngineError } from "../../src/errors/EngineError.js";
import { makeTestImage, registrySkipReason, startRegistry, type TestRegistry } from "../helpers/registry.js";

const skip = registrySkipReason();
const suffix = randomBytes(4).toString("hex");
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(auth: "basic" | "token"): Promise<{ reg: TestRegistry; work: string; configPath: string }> {
  const reg = await startRegistry({ auth, users: { "berth-test-user": "s3cret:with-colon" } });
  cleanups.push(() => reg.stop());
  const work = await mkdtemp(join(tmpdir(), "berth-test-regauth-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  return { reg, work, configPath: join(work, "home", ".docker", "config.json") };
}

const creds = { username: "berth-test-user", password: "s3cret:with-colon" };

for (const mode of ["basic", "token"] as const) {
  test(`${mode} auth: anonymous pull is denied with Docker's text; login, pull, logout`, { skip }, async () => {
    const { reg, work, configPath } = await setup(mode);
    const name = `${reg.host}/berth-test/private-${suffix}`;
    const src = new FsContentStore(join(work, "src"));
    const img = await makeTestImage(src, [{ "secret": "42\n" }]);

    // Push needs credentials.
    const anon = await RegistryClient.forHost(reg.host, { configPath });
    try {
      await assert.rejects(pushImage(anon, src, parseReference(`${name}:1`), img.manifestDescriptor), (e: unknown) => isEngineError(e, "Forbidden"));
      await assert.rejects(pullImage(anon, new FsContentStore(join(work, "anon")), parseReference(`${name}:1`)), (e: any) => {
        assert.ok(isEngineError(e, "Forbidden"), String(e));
        assert.match(e.message, new RegExp(`^pull access denied for ${name.replace(/[.]/g, "\\.")}, repository does not exist or may require 'docker login': unauthorized: authentication required$`));
        return true;
      });
    } finally {
      anon.close();
    }

    await assert.rejects(login(configPath, reg.host, { username: "berth-test-user", password: "wrong" }), (e: any) => {
      assert.ok(isEngineError(e, "Forbidden"), String(e));
      assert.match(e.message, /^login to 127\.0\.0\.1:\d+: /);
      return true;
    });
    await assert.rejects(stat(configPath), { code: "ENOENT" }); // nothing written on failure

    assert.deepEqual(await login(configPath, reg.host, creds), { status: "Login Succeeded" });
    assert.equal((await stat(configPath)).mode & 0o777, 0o600);
    const cfg = JSON.parse(await readFile(configPath, "utf8"));
    assert.equal(Buffer.from(cfg.auths[reg.host].auth, "base64").toString(), "berth-test-user:s3cret:with-colon");

    const authed = await RegistryClient.forHost(reg.host, { configPath });
    try {
      await pushImage(authed, src, parseReference(`${name}:1`), img.manifestDescriptor);
      const r = await pullImage(authed, new FsContentStore(join(work, "dst")), parseReference(`${name}:1`));
      assert.equal(r.manifestDigest, img.manifestDescriptor.digest);
    } finally {
      authed.close();
    }
    if (mode === "token") {
      const scopes = reg.tokenRequests.flatMap((u) => u.searchParams.getAll("scope"));
      assert.ok(scopes.includes(`repository:berth-test/private-${suffix}:pull,push`), scopes.join(" "));
      assert.ok(reg.tokenRequests.every((u) => u.searchParams.get("service") === "berth-test-registry"));
    }

    assert.deepEqual(await logout(configPath, reg.host), { removed: true });
    assert.equal(JSON.parse(await readFile(configPath, "utf8")).auths[reg.host], undefined);
    assert.deepEqual(await logout(configPath, reg.host), { removed: false });
    const after = await RegistryClient.forHost(reg.host, { configPath });
    try {
      await assert.rejects(pullImage(after, new FsContentStore(join(work, "after")), parseReference(`${name}:1`)), (e: unknown) => isEngineError(e, "Forbidden"));
    } finally {
      after.close();
    }
  });
}

test("login keeps other members of config.json; a host delegated to a missing credential helper is a clear error", { skip }, async () => {
  const { reg, configPath, work } = await setup("basic");
  await rm(join(work, "home"), { recursive: true, force: true });
  await import("node:fs/promises").then((fs) => fs.mkdir(join(work, "home", ".docker"), { recursive: true }));
  await writeFile(configPath, JSON.stringify({ auths: { "other.example:5000": { auth: Buffer.from("a:b").toString("base64") } }, psFormat: "table {{.ID}}" }));
  await login(configPath, reg.host, creds);
  const cfg = JSON.parse(await readFile(configPath, "utf8"));
  assert.equal(cfg.psFormat, "table {{.ID}}");
  assert.ok(cfg.auths["other.example:5000"]);
  assert.ok(cfg.auths[reg.host]);
  await writeFile(configPath, JSON.stringify({ credHelpers: { [reg.host]: "pass" } }));
  // Helpers are run (image-registry-credhelper.test.ts); one that is not installed is named.
  await assert.rejects(login(configPath, reg.host, creds, undefined, { env: { PATH: "/nonexistent" } }), (e: any) => {
    assert.ok(isEngineError(e, "FailedPrecondition"), String(e));
    assert.match(e.message, /docker-credential-pass not found in PATH/);
    return true;
  });
});
