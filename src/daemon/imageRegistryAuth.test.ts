import { test } from "node:test";
import { strict as assert } from "node:assert";
import { credentialsOf, registryHostname } from "./imageRegistryAuth.js";

test("AuthConfig as registry credentials: password, anonymous, identity tokens", () => {
  assert.deepEqual(credentialsOf({ username: "u", password: "p?>", serveraddress: "h" }), { username: "u", password: "p?>" });
  assert.equal(credentialsOf(undefined), undefined);
  assert.equal(credentialsOf({ serveraddress: "h" }), undefined);
  assert.deepEqual(credentialsOf({ identitytoken: "t" }), { username: "", password: "", identityToken: "t" });
});

test("login server addresses as registry hosts", () => {
  assert.equal(registryHostname("https://index.docker.io/v1/"), "docker.io");
  assert.equal(registryHostname(""), "docker.io");
  assert.equal(registryHostname("127.0.0.1:5000"), "127.0.0.1:5000");
  assert.equal(registryHostname("https://reg.example:443/v2/"), "reg.example:443");
});
