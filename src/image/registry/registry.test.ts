import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdtemp, rm, readFile, stat, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseWwwAuthenticate } from "./authChallenge.js";
import { parseErrorBody, registryError } from "./registryErrors.js";
import { readCredentials, removeCredentials, storeCredentials } from "./dockerConfig.js";
import { isLoopbackHost, resolveRegistryHost } from "./hostConfig.js";
import { scopeKey } from "./RegistryClient.js";

test("WWW-Authenticate challenges: bearer params with quoted commas, several challenges", () => {
  assert.deepEqual(parseWwwAuthenticate('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'), [
    { scheme: "bearer", params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" } },
  ]);
  assert.deepEqual(parseWwwAuthenticate('Basic realm="x \\"y\\"", Bearer realm=r'), [
    { scheme: "basic", params: { realm: 'x "y"' } },
    { scheme: "bearer", params: { realm: "r" } },
  ]);
  assert.deepEqual(parseWwwAuthenticate(""), []);
});

test("registry error bodies map to kinds and Docker's texts", () => {
  const items = parseErrorBody(Buffer.from(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] })));
  const e = registryError(401, items, { op: "pull", name: "localhost:5000/app", reference: "1" }, "manifest 1");
  assert.equal(e.kind, "Forbidden");
  assert.equal(e.message, "pull access denied for localhost:5000/app, repository does not exist or may require 'docker login': unauthorized: authentication required");
  const nf = registryError(404, [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }], { op: "pull", name: "busybox", reference: "nope" }, "manifest nope");
  assert.equal(nf.kind, "NotFound");
  assert.equal(nf.message, "manifest for busybox:nope not found: manifest unknown: manifest unknown");
  assert.equal(registryError(404, [{ code: "BLOB_UNKNOWN" }], { op: "push", name: "x" }, "blob").kind, "NotFound");
  assert.equal(registryError(400, [{ code: "DIGEST_INVALID" }], { op: "push", name: "x" }, "blob").kind, "InvalidArgument");
  assert.equal(registryError(503, [], { op: "push", name: "x" }, "blob").kind, "Unavailable");
  assert.deepEqual(parseErrorBody(Buffer.from("<html>")), []);
});

test("docker config credentials: read, store with mode 0600 keeping other keys, remove", async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-dockercfg-"));
  try {
    const path = join(dir, ".docker", "config.json");
    assert.equal(await readCredentials(path, "r.example"), undefined);
    await mkdir(join(dir, ".docker"));
    await writeFile(path, JSON.stringify({ auths: { "https://index.docker.io/v1/": { auth: Buffer.from("hub:pw").toString("base64") } }, detachKeys: "ctrl-x" }));
    assert.deepEqual(await readCredentials(path, "https://index.docker.io/v1/"), { username: "hub", password: "pw", identityToken: undefined });
    await storeCredentials(path, "r.example:5000", { username: "u", password: "p:w" });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const cfg = JSON.parse(await readFile(path, "utf8"));
    assert.equal(cfg.detachKeys, "ctrl-x");
    assert.deepEqual(await readCredentials(path, "r.example:5000"), { username: "u", password: "p:w", identityToken: undefined });
    assert.equal(await removeCredentials(path, "r.example:5000"), true);
    assert.equal(await readCredentials(path, "r.example:5000"), undefined);
    assert.ok(await readCredentials(path, "https://index.docker.io/v1/"));
    await writeFile(path, "{broken");
    await assert.rejects(readCredentials(path, "x"), /invalid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("host resolution: loopback and listed hosts use http, others https with certs.d material", async () => {
  assert.ok(isLoopbackHost("localhost:5000") && isLoopbackHost("127.0.0.1") && isLoopbackHost("[::1]:5000") && isLoopbackHost("::1"));
  assert.ok(!isLoopbackHost("registry.example:5000"));
  assert.equal((await resolveRegistryHost("127.0.0.1:5000")).scheme, "http");
  assert.equal((await resolveRegistryHost("reg.lan:5000", { insecureRegistries: ["reg.lan:5000"] })).scheme, "http");
  const hub = await resolveRegistryHost("docker.io");
  assert.equal(hub.apiHost, "registry-1.docker.io");
  assert.equal(hub.credentialKey, "https://index.docker.io/v1/");
  const dir = await mkdtemp(join(tmpdir(), "berth-test-certsd-"));
  try {
    await mkdir(join(dir, "reg.example:443"));
    await writeFile(join(dir, "reg.example:443", "ca.crt"), "CA");
    await writeFile(join(dir, "reg.example:443", "client.cert"), "CERT");
    await writeFile(join(dir, "reg.example:443", "client.key"), "KEY");
    const h = await resolveRegistryHost("reg.example:443", { certsDir: dir });
    assert.equal(h.scheme, "https");
    assert.deepEqual(h.tls.ca?.map(String), ["CA"]);
    assert.equal(String(h.tls.cert), "CERT");
    assert.equal(String(h.tls.key), "KEY");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("token cache keys do not depend on scope order", () => {
  assert.equal(scopeKey([{ repository: "a", actions: ["push", "pull"] }, { repository: "b", actions: ["pull"] }]), scopeKey([{ repository: "b", actions: ["pull"] }, { repository: "a", actions: ["pull", "push"] }]));
});
