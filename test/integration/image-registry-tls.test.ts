import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createServer } from "node:https";
import { mkdtemp, mkdir, readFile, rm, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RegistryClient } from "../../src/image/registry/RegistryClient.js";
import { loadCertsDir } from "../../src/image/registry/hostConfig.js";
import { isEngineError } from "../../src/errors/EngineError.js";

/**
 * HTTPS with a private CA from a certs.d-style directory: a loopback TLS server (certificate
 * for IP 127.0.0.1 signed by a throwaway CA) answers /v2/; the client trusts it only with the CA.
 */
const skip = spawnSync("openssl", ["version"]).status !== 0 ? "openssl is not installed" : undefined;

test("https registry with a custom CA from the certs directory", { skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-regtls-"));
  const server = createServer();
  try {
    const ssl = (args: string[]) => {
      const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    };
    ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=berth-test-ca"]);
    ssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1"]);
    ssl(["x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.crt", "-days", "2", "-extfile", await writeExt(dir)]);
    server.setSecureContext({ key: await readFile(join(dir, "srv.key")), cert: await readFile(join(dir, "srv.crt")) });
    server.on("request", (req, res) => {
      res.writeHead(req.url === "/v2/" ? 200 : 404, { "Content-Type": "application/json", "Docker-Distribution-API-Version": "registry/2.0" });
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const name = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const certs = join(dir, "certs.d");
    await mkdir(join(certs, name), { recursive: true });
    await copyFile(join(dir, "ca.crt"), join(certs, name, "ca.crt"));

    const untrusted = new RegistryClient({ name, apiHost: name, scheme: "https", credentialKey: name, tls: {} }, { attempts: 1 });
    try {
      await assert.rejects(untrusted.ping(), (e: unknown) => isEngineError(e, "Unavailable") && /certificate/i.test((e as Error).message));
    } finally {
      untrusted.close();
    }
    const trusted = new RegistryClient({ name, apiHost: name, scheme: "https", credentialKey: name, tls: await loadCertsDir(join(certs, name)) }, { attempts: 1 });
    try {
      await trusted.ping();
    } finally {
      trusted.close();
    }
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  }
});

async function writeExt(dir: string): Promise<string> {
  const p = join(dir, "ext.cnf");
  await import("node:fs/promises").then((fs) => fs.writeFile(p, "subjectAltName=IP:127.0.0.1\n"));
  return p;
}
