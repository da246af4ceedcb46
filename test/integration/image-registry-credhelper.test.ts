/**
 * Docker credential helpers end to end: the berth CLI against the daemon's image and system
 * backends and Debian's docker-registry with Basic auth, with credentials only in a fake
 * `docker-credential-*` program on PATH (src/image/registry/testCredentialHelper.ts). berth
 * login stores through it, push/pull read from it, logout erases it; the real docker CLI uses
 * the same helper and config, so each side reads what the other wrote.
 */
import { test, after } from "node:test";
import { strict as assert } from "node:assert";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { writeTestCredentialHelper } from "../../src/image/registry/testCredentialHelper.js";
import { makeTestImage, registrySkipReason, startRegistry } from "../helpers/registry.js";
import { cliSkipReason, runCli, type RunOpts } from "./cli-env.js";
import { dockerSkip, startImagesDaemon } from "./daemon-images-env.js";
import { skipUnlessRoot } from "./image-testenv.js";

const skip = skipUnlessRoot || dockerSkip || registrySkipReason() || cliSkipReason() || false;
const suffix = randomBytes(3).toString("hex");
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test("berth login/push/pull/logout with credentials only in a credential helper (credsStore), interoperating with docker", { skip }, async () => {
  const reg = await startRegistry({ auth: "basic" });
  cleanups.push(() => reg.stop());
  const d = await startImagesDaemon();
  cleanups.push(() => d.close());
  const work = await mkdtemp(join(tmpdir(), "berth-test-credhelper-e2e-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  const bin = join(work, "bin");
  const helper = await writeTestCredentialHelper(bin, `berthtest${suffix}`);
  const env: RunOpts = { env: { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` } };
  const berth = (args: string[], stdin?: string) => runCli("berth", d.socketPath, d.home, args, { ...env, ...(stdin !== undefined ? { stdin } : {}) });
  const docker = (args: string[], stdin?: string) => runCli("docker", d.socketPath, d.home, args, { ...env, ...(stdin !== undefined ? { stdin } : {}) });
  const configPath = join(d.home, ".docker", "config.json");
  await mkdir(join(d.home, ".docker"), { recursive: true });
  await writeFile(configPath, JSON.stringify({ credsStore: helper.name }));

  const img = await makeTestImage(d.env.service.content, [{ "etc/berth-test": `cred ${suffix}` }]);
  const a = `${reg.host}/berth-test/cred-a-${suffix}:1`;
  const b = `${reg.host}/berth-test/cred-b-${suffix}:1`;
  await d.env.service.recordImage(img.manifestDescriptor, [a, b]);

  // Nothing in the helper yet: anonymous, denied.
  const denied = await berth(["push", a]);
  assert.notEqual(denied.code, 0, denied.stdout);
  assert.ok((await helper.calls()).includes(`get ${reg.host}`), (await helper.calls()).join("\n"));

  const bad = await berth(["login", "-u", "berth-test-user", "--password-stdin", reg.host], "wrong\n");
  assert.equal(bad.code, 1);
  assert.equal(await helper.stored(reg.host), undefined);
  const login = await berth(["login", "-u", "berth-test-user", "--password-stdin", reg.host], "berth-test-pass\n");
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stdout, "Login Succeeded\n");
  assert.deepEqual(await helper.stored(reg.host), { ServerURL: reg.host, Username: "berth-test-user", Secret: "berth-test-pass" });
  // As docker login leaves it: an empty entry, the secret only in the helper.
  assert.deepEqual(JSON.parse(await readFile(configPath, "utf8")), { auths: { [reg.host]: {} }, credsStore: helper.name });

  const pushed = await berth(["push", a]);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.match(pushed.stdout, /: Pushed$/m);
  // The second repository mounts the blobs, with the same credentials.
  const mounted = await berth(["push", b]);
  assert.equal(mounted.code, 0, mounted.stderr);
  assert.match(mounted.stdout, new RegExp(`: Mounted from berth-test/cred-a-${suffix}$`, "m"));
  assert.doesNotMatch(mounted.stdout, /: Pushed$/m);

  assert.equal((await berth(["rmi", a, b])).code, 0);
  const pulled = await berth(["pull", a]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stdout, new RegExp(`Status: Downloaded newer image for ${a.replace(/[.]/g, "\\.")}\n`));

  const logout = await berth(["logout", reg.host]);
  assert.equal(logout.code, 0, logout.stderr);
  assert.equal(logout.stdout, `Removing login credentials for ${reg.host}\n`);
  assert.equal(await helper.stored(reg.host), undefined);
  assert.ok((await helper.calls()).includes(`erase ${reg.host}`));
  assert.deepEqual(JSON.parse(await readFile(configPath, "utf8")), { auths: {}, credsStore: helper.name });
  assert.equal((await berth(["rmi", a])).code, 0);
  assert.notEqual((await berth(["pull", a])).code, 0);

  // The docker CLI stores through the same helper; berth reads what it stored, and erases it.
  const dlogin = await docker(["login", "-u", "berth-test-user", "--password-stdin", reg.host], "berth-test-pass\n");
  assert.equal(dlogin.code, 0, dlogin.stderr);
  assert.deepEqual(await helper.stored(reg.host), { ServerURL: reg.host, Username: "berth-test-user", Secret: "berth-test-pass" });
  const again = await berth(["pull", a]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await berth(["logout", reg.host])).code, 0);
  assert.equal(await helper.stored(reg.host), undefined);
  // ...and docker reads what berth stored.
  assert.equal((await berth(["login", "-u", "berth-test-user", "--password-stdin", reg.host], "berth-test-pass\n")).code, 0);
  assert.equal((await berth(["rmi", a])).code, 0);
  const dpull = await docker(["pull", a]);
  assert.equal(dpull.code, 0, dpull.stderr);
});

test("credHelpers[host] wins over credsStore; a helper that is not installed is named in the error", { skip }, async () => {
  const reg = await startRegistry({ auth: "basic" });
  cleanups.push(() => reg.stop());
  const d = await startImagesDaemon();
  cleanups.push(() => d.close());
  const work = await mkdtemp(join(tmpdir(), "berth-test-credhelper-e2e-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  const bin = join(work, "bin");
  const general = await writeTestCredentialHelper(bin, `berthgen${suffix}`);
  const perHost = await writeTestCredentialHelper(bin, `berthhost${suffix}`);
  const env: RunOpts = { env: { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` } };
  const berth = (args: string[], stdin?: string) => runCli("berth", d.socketPath, d.home, args, { ...env, ...(stdin !== undefined ? { stdin } : {}) });
  const configPath = join(d.home, ".docker", "config.json");
  await mkdir(join(d.home, ".docker"), { recursive: true });
  await writeFile(configPath, JSON.stringify({ credsStore: general.name, credHelpers: { [reg.host]: perHost.name } }));
  const img = await makeTestImage(d.env.service.content, [{ "etc/berth-test": `prec ${suffix}` }]);
  const ref = `${reg.host}/berth-test/prec-${suffix}:1`;
  await d.env.service.recordImage(img.manifestDescriptor, [ref]);

  assert.equal((await berth(["login", "-u", "berth-test-user", "--password-stdin", reg.host], "berth-test-pass\n")).code, 0);
  assert.ok(await perHost.stored(reg.host));
  assert.equal(await general.stored(reg.host), undefined);
  const pushed = await berth(["push", ref]);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.deepEqual(await general.calls(), []);

  await writeFile(configPath, JSON.stringify({ credsStore: `berth-test-missing-${suffix}` }));
  const missing = await berth(["push", ref]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, new RegExp(`credential helper docker-credential-berth-test-missing-${suffix} not found in PATH`));
});
