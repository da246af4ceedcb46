import { test } from "node:test";
import { strict as assert } from "node:assert";
import { chmod, mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEngineError } from "../../errors/EngineError.js";
import { CredentialHelper } from "./credentialHelper.js";
import { credentialHelperFor, readCredentials, removeCredentials, storeCredentials } from "./dockerConfig.js";
import { writeTestCredentialHelper } from "./testCredentialHelper.js";

async function withBin<T>(fn: (bin: string, env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-credhelper-"));
  try {
    const bin = join(dir, "bin");
    await mkdir(bin);
    return await fn(bin, { PATH: `${bin}:/usr/bin:/bin` });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("credential helper: store, get, erase, not found; identity tokens as Username <token>", async () => {
  await withBin(async (bin, env) => {
    const fake = await writeTestCredentialHelper(bin, "berthtest");
    const h = new CredentialHelper("berthtest", { env });
    assert.equal(h.program, "docker-credential-berthtest");
    assert.equal(await h.get("127.0.0.1:5000"), undefined);
    await h.store("127.0.0.1:5000", { username: "u", password: "p:w \"q\"" });
    assert.deepEqual(await fake.stored("127.0.0.1:5000"), { ServerURL: "127.0.0.1:5000", Username: "u", Secret: "p:w \"q\"" });
    assert.deepEqual(await h.get("127.0.0.1:5000"), { username: "u", password: "p:w \"q\"" });
    assert.equal(await h.get("127.0.0.1:5001"), undefined);

    await h.store("https://index.docker.io/v1/", { username: "", password: "", identityToken: "refresh-123" });
    assert.deepEqual(await fake.stored("https://index.docker.io/v1/"), { ServerURL: "https://index.docker.io/v1/", Username: "<token>", Secret: "refresh-123" });
    assert.deepEqual(await h.get("https://index.docker.io/v1/"), { username: "", password: "", identityToken: "refresh-123" });

    assert.equal(await h.erase("127.0.0.1:5000"), true);
    assert.equal(await h.get("127.0.0.1:5000"), undefined);
    assert.equal(await h.erase("127.0.0.1:5000"), false);
    assert.deepEqual(await fake.calls(), [
      "get 127.0.0.1:5000", `store {"ServerURL":"127.0.0.1:5000","Username":"u","Secret":"p:w \\"q\\""}`, "get 127.0.0.1:5000", "get 127.0.0.1:5001",
      `store {"ServerURL":"https://index.docker.io/v1/","Username":"<token>","Secret":"refresh-123"}`, "get https://index.docker.io/v1/",
      "erase 127.0.0.1:5000", "get 127.0.0.1:5000", "erase 127.0.0.1:5000",
    ]);
  });
});

test("credential helper: a missing, failing, hanging or babbling helper is a clear error naming it", async () => {
  await withBin(async (bin, env) => {
    await assert.rejects(new CredentialHelper("berth-test-missing", { env }).get("h:1"), (e: any) => {
      assert.ok(isEngineError(e, "FailedPrecondition"), String(e));
      assert.equal(e.message, "get credentials: credential helper docker-credential-berth-test-missing not found in PATH (configured by credsStore/credHelpers in the docker config)");
      return true;
    });
    const write = async (name: string, body: string) => {
      await writeFile(join(bin, `docker-credential-${name}`), `#!/bin/sh\n${body}\n`);
      await chmod(join(bin, `docker-credential-${name}`), 0o755);
    };
    await write("locked", 'cat >/dev/null; echo "keychain is locked"; exit 3');
    for (const call of [(h: CredentialHelper) => h.get("h:1"), (h: CredentialHelper) => h.store("h:1", { username: "a", password: "b" }), (h: CredentialHelper) => h.erase("h:1")]) {
      await assert.rejects(call(new CredentialHelper("locked", { env })), (e: any) => {
        assert.ok(isEngineError(e, "Unavailable"), String(e));
        assert.match(e.message, /^(get|store|erase) credentials for h:1: credential helper docker-credential-locked failed \(exit status 3\): keychain is locked$/);
        return true;
      });
    }
    await write("garbage", "echo not-json");
    await assert.rejects(new CredentialHelper("garbage", { env }).get("h:1"), /docker-credential-garbage get: output is not JSON/);
    // exec: the kill reaches the sleeping process itself, nothing is left running.
    await write("hang", "exec sleep 30");
    await assert.rejects(new CredentialHelper("hang", { env, timeoutMs: 200 }).get("h:1"), (e: any) => {
      assert.ok(isEngineError(e, "Unavailable"), String(e));
      assert.equal(e.message, "get credentials: credential helper docker-credential-hang get did not finish within 200 ms (killed)");
      return true;
    });
    await writeFile(join(bin, "docker-credential-noexec"), "#!/bin/sh\n");
    await assert.rejects(new CredentialHelper("noexec", { env }).get("h:1"), (e: unknown) => isEngineError(e, "FailedPrecondition"));
    assert.throws(() => new CredentialHelper("../../bin/sh"), (e: unknown) => isEngineError(e, "InvalidArgument"));
    assert.throws(() => new CredentialHelper(""), (e: unknown) => isEngineError(e, "InvalidArgument"));
  });
});

test("docker config with helpers: credHelpers[host] over credsStore over auths; store leaves auths[host] = {}; remove erases", async () => {
  await withBin(async (bin, env) => {
    const store = await writeTestCredentialHelper(bin, "berthstore");
    const perHost = await writeTestCredentialHelper(bin, "berthhost");
    const path = join(bin, "..", "config.json");
    const plain = Buffer.from("file-user:file-pass").toString("base64");
    await writeFile(path, JSON.stringify({ auths: { "a.example:5000": { auth: plain }, "b.example:5000": { auth: plain } }, credsStore: "berthstore", credHelpers: { "b.example:5000": "berthhost" }, psFormat: "x" }));
    const opts = { env };

    assert.equal(await credentialHelperFor(path, "a.example:5000"), "docker-credential-berthstore");
    assert.equal(await credentialHelperFor(path, "b.example:5000"), "docker-credential-berthhost");
    // With a helper configured the plain entry is not consulted (as the docker CLI).
    assert.equal(await readCredentials(path, "a.example:5000", opts), undefined);
    assert.equal(await readCredentials(path, "b.example:5000", opts), undefined);

    await storeCredentials(path, "a.example:5000", { username: "ua", password: "pa" }, opts);
    await storeCredentials(path, "b.example:5000", { username: "ub", password: "pb" }, opts);
    assert.deepEqual(await store.stored("a.example:5000"), { ServerURL: "a.example:5000", Username: "ua", Secret: "pa" });
    assert.equal(await store.stored("b.example:5000"), undefined);
    assert.deepEqual(await perHost.stored("b.example:5000"), { ServerURL: "b.example:5000", Username: "ub", Secret: "pb" });
    const cfg = JSON.parse(await readFile(path, "utf8"));
    assert.deepEqual(cfg.auths, { "a.example:5000": {}, "b.example:5000": {} });
    assert.equal(cfg.psFormat, "x");
    assert.deepEqual(await readCredentials(path, "a.example:5000", opts), { username: "ua", password: "pa" });
    assert.deepEqual(await readCredentials(path, "b.example:5000", opts), { username: "ub", password: "pb" });

    assert.equal(await removeCredentials(path, "b.example:5000", opts), true);
    assert.equal(await perHost.stored("b.example:5000"), undefined);
    assert.deepEqual(JSON.parse(await readFile(path, "utf8")).auths, { "a.example:5000": {} });
    assert.equal(await removeCredentials(path, "b.example:5000", opts), false);
    assert.deepEqual(await readCredentials(path, "a.example:5000", opts), { username: "ua", password: "pa" });

    // No helper: the file, as before.
    await writeFile(path, JSON.stringify({ auths: { "c.example": { auth: plain } } }));
    assert.deepEqual(await readCredentials(path, "c.example", opts), { username: "file-user", password: "file-pass", identityToken: undefined });
    assert.equal(await credentialHelperFor(path, "c.example"), undefined);
    // An identity token in the file: Docker's `identitytoken` beside an empty password.
    await storeCredentials(path, "d.example", { username: "me", password: "", identityToken: "refresh-9" }, opts);
    assert.deepEqual(JSON.parse(await readFile(path, "utf8")).auths["d.example"], { auth: Buffer.from("me:").toString("base64"), identitytoken: "refresh-9" });
    assert.deepEqual(await readCredentials(path, "d.example", opts), { username: "me", password: "", identityToken: "refresh-9" });
  });
});
