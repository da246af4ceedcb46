import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { isEngineError } from "../../errors/EngineError.js";
import { resolveRegistryHost } from "./hostConfig.js";
import { RegistryClient } from "./RegistryClient.js";

/**
 * Identity tokens (OAuth refresh tokens, from a credential helper's Username "<token>" or
 * config.json's `identitytoken`) are traded with the refresh_token grant: a POST of a form to
 * the Bearer realm. A small registry and token endpoint on loopback check the exchange.
 */
interface Fake { host: string; tokenCalls: { method: string; form: URLSearchParams }[]; close(): Promise<void> }

async function readAll(req: IncomingMessage): Promise<string> {
  let s = "";
  for await (const c of req) s += c;
  return s;
}

async function fakeRegistry(challenge: "bearer" | "basic"): Promise<Fake> {
  const tokenCalls: Fake["tokenCalls"] = [];
  let port = 0;
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/token") {
      const form = new URLSearchParams(await readAll(req));
      tokenCalls.push({ method: req.method ?? "", form });
      if (req.method === "POST" && form.get("grant_type") === "refresh_token" && form.get("refresh_token") === "good-refresh") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ access_token: "access-1", expires_in: 300 }));
      } else {
        res.writeHead(400, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: "invalid_grant" }));
      }
      return;
    }
    if (req.headers.authorization === "Bearer access-1") {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "2" });
      res.end("{}");
      return;
    }
    const h = challenge === "bearer" ? `Bearer realm="http://127.0.0.1:${port}/token",service="berth-test-svc"` : `Basic realm="berth-test"`;
    res.writeHead(401, { "WWW-Authenticate": h, "Content-Type": "application/json" });
    res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
  return { host: `127.0.0.1:${port}`, tokenCalls, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

test("identity token: traded with the OAuth refresh_token grant for the request's scope", async () => {
  const reg = await fakeRegistry("bearer");
  const client = new RegistryClient(await resolveRegistryHost(reg.host), { credentials: { username: "", password: "", identityToken: "good-refresh" }, attempts: 1 });
  try {
    assert.equal(await client.headBlob("berth-test/app", `sha256:${"0".repeat(64)}`, { op: "pull", name: "app" }), 2);
    assert.equal(reg.tokenCalls.length, 1);
    const { method, form } = reg.tokenCalls[0]!;
    assert.equal(method, "POST");
    assert.equal(form.get("grant_type"), "refresh_token");
    assert.equal(form.get("refresh_token"), "good-refresh");
    assert.equal(form.get("service"), "berth-test-svc");
    assert.equal(form.get("scope"), "repository:berth-test/app:pull");
    assert.ok(form.get("client_id"));
  } finally {
    client.close();
    await reg.close();
  }
});

test("identity token: a refused refresh token is an auth error; it is never sent as a Basic password", async () => {
  const bearer = await fakeRegistry("bearer");
  const bad = new RegistryClient(await resolveRegistryHost(bearer.host), { credentials: { username: "", password: "", identityToken: "stale" }, attempts: 1 });
  try {
    await assert.rejects(bad.ping({ op: "login", name: bearer.host }), (e: unknown) => isEngineError(e, "Forbidden"));
  } finally {
    bad.close();
    await bearer.close();
  }
  const basic = await fakeRegistry("basic");
  const client = new RegistryClient(await resolveRegistryHost(basic.host), { credentials: { username: "", password: "", identityToken: "good-refresh" }, attempts: 1 });
  try {
    await assert.rejects(client.ping({ op: "login", name: basic.host }), (e: unknown) => isEngineError(e, "Forbidden"));
    assert.equal(basic.tokenCalls.length, 0);
  } finally {
    client.close();
    await basic.close();
  }
});
