import { test } from "node:test";
import { strict as assert } from "node:assert";
import { Router } from "./router.js";
import { registerAllRoutes } from "./routes.js";
import type { Handler } from "./context.js";
import { collectHostFacts } from "./host-facts.js";

test("router matches literal and single-segment params", () => {
  const r = new Router<string>();
  r.add("GET", "/containers/json", "list").add("GET", "/containers/{id}/json", "inspect");
  assert.equal(r.match("GET", "/containers/json")?.handler, "list");
  const m = r.match("GET", "/containers/abc123/json");
  assert.equal(m?.handler, "inspect");
  assert.deepEqual(m?.params, { id: "abc123" });
  assert.equal(r.match("GET", "/containers/a/b/json"), null, "single-segment params never contain a slash");
  assert.equal(r.match("POST", "/containers/json"), null);
  assert.equal(r.hasPath("/containers/json"), true);
  assert.equal(r.match("GET", "/containers/json/")?.handler, "list", "trailing slash tolerated");
});

test("router decodes parameters after matching", () => {
  const r = new Router<string>();
  r.add("GET", "/volumes/{name}", "v");
  assert.deepEqual(r.match("GET", "/volumes/my%20vol")?.params, { name: "my vol" });
  assert.deepEqual(r.match("GET", "/volumes/a%2Fb")?.params, { name: "a/b" }, "an encoded slash stays inside the parameter");
  assert.throws(() => r.match("GET", "/volumes/%E0%A4%A"), /malformed percent-encoding/);
});

test("greedy image-name patterns take names with slashes, tags and digests", () => {
  const r = new Router<Handler>();
  registerAllRoutes(r, {}, { version: "t", gitCommit: "", buildTime: "", host: collectHostFacts() });
  const cases: [string, string, string, string][] = [
    ["GET", "/images/busybox/json", "/images/{name*}/json", "busybox"],
    ["GET", "/images/busybox:1.36/json", "/images/{name*}/json", "busybox:1.36"],
    ["GET", "/images/localhost:5000/org/app:v1/json", "/images/{name*}/json", "localhost:5000/org/app:v1"],
    ["GET", "/images/docker.io/library/alpine@sha256:abcd/history", "/images/{name*}/history", "docker.io/library/alpine@sha256:abcd"],
    ["POST", "/images/registry.example.com/team/app/push", "/images/{name*}/push", "registry.example.com/team/app"],
    ["POST", "/images/a/b/c:d/tag", "/images/{name*}/tag", "a/b/c:d"],
    ["DELETE", "/images/quay.io/org/img:tag", "/images/{name*}", "quay.io/org/img:tag"],
    ["GET", "/images/json/json", "/images/{name*}/json", "json"],
    ["GET", "/images/org/app/get", "/images/{name*}/get", "org/app"],
  ];
  for (const [method, path, pattern, name] of cases) {
    const m = r.match(method, path);
    assert.ok(m, `${method} ${path} should match`);
    assert.equal(m.pattern, pattern, path);
    assert.equal(m.params.name, name, path);
  }
  assert.equal(r.match("GET", "/images/json")?.pattern, "/images/json");
  assert.equal(r.match("GET", "/images/get")?.pattern, "/images/get");
  assert.equal(r.match("POST", "/images/load")?.pattern, "/images/load");
  assert.equal(r.match("POST", "/images/create")?.pattern, "/images/create");
  assert.equal(r.match("GET", "/images/search")?.pattern, "/images/search");
  assert.equal(r.match("DELETE", "/containers/a/b"), null);
});

test("router rejects malformed patterns", () => {
  const r = new Router<string>();
  assert.throws(() => r.add("GET", "containers", "x"), /must start with \//);
  assert.throws(() => r.add("GET", "/{id}/x", "x"), /literal segment/);
  assert.throws(() => r.add("GET", "/a/{b", "x"), /bad segment/);
});
