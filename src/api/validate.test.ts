import { test } from "node:test";
import { strict as assert } from "node:assert";
import { checkShape, requireObject } from "./validate.js";
import { CONTAINER_CREATE } from "./router/container-shapes.js";
import { Query } from "./query.js";
import { parseJsonBody } from "./request-body.js";

test("create bodies: wrong types name the field, nulls and unknown fields pass", () => {
  checkShape({ Image: "busybox", Cmd: "sh", Env: null, Extra: 1, HostConfig: { Memory: 1024, Binds: ["/a:/b"] } }, CONTAINER_CREATE, "create container");
  const bad: [unknown, string][] = [
    [{ Image: 5 }, "create container: field Image must be a string"],
    [{ Env: ["A=1", 2] }, "create container: field Env must be a list of strings"],
    [{ Cmd: {} }, "create container: field Cmd must be a string or a list of strings"],
    [{ HostConfig: { Memory: "1g" } }, "create container: field HostConfig.Memory must be an integer"],
    [{ HostConfig: { Memory: 1.5 } }, "create container: field HostConfig.Memory must be an integer"],
    [{ HostConfig: { RestartPolicy: { Name: 1 } } }, "create container: field HostConfig.RestartPolicy.Name must be a string"],
    [{ HostConfig: [] }, "create container: field HostConfig must be a JSON object"],
    [{ Labels: { a: 1 } }, "create container: field Labels must be an object of strings"],
    [{ Tty: "true" }, "create container: field Tty must be a boolean"],
  ];
  for (const [body, msg] of bad) assert.throws(() => checkShape(body, CONTAINER_CREATE, "create container"), { message: msg });
  assert.throws(() => checkShape([], CONTAINER_CREATE, "create container"), { message: "create container: body must be a JSON object" });
  assert.throws(() => requireObject(undefined, "update"), { message: "update: request body is empty" });
});

test("query values follow moby's form rules", () => {
  const q = new Query(new URLSearchParams("a=1&b=false&c=no&d=none&e=0&f=&g=yes&t=10&bad=1x&names=x&names=y"));
  assert.equal(q.bool("a"), true);
  for (const k of ["b", "c", "d", "e", "f"]) assert.equal(q.bool(k), false, k);
  assert.equal(q.bool("g"), true);
  assert.equal(q.bool("missing"), false);
  assert.equal(q.bool("missing", true), true);
  assert.equal(q.int("t"), 10);
  assert.equal(q.int("missing"), undefined);
  assert.throws(() => q.int("bad"), /invalid value for bad: "1x": must be an integer/);
  assert.deepEqual(q.all("names"), ["x", "y"]);
});

test("JSON bodies: empty is undefined, malformed is a 400, wrong content type is refused", () => {
  assert.equal(parseJsonBody(Buffer.alloc(0), undefined), undefined);
  assert.equal(parseJsonBody(Buffer.from("  \n"), "application/json"), undefined);
  assert.deepEqual(parseJsonBody(Buffer.from('{"a":1}'), "application/json; charset=utf-8"), { a: 1 });
  assert.throws(() => parseJsonBody(Buffer.from("{oops"), "application/json"), /^EngineError: invalid JSON body: /);
  assert.throws(() => parseJsonBody(Buffer.from("{}"), "text/plain"), /unsupported Content-Type header \(text\/plain\): must be 'application\/json'/);
  assert.throws(() => parseJsonBody(Buffer.from('{"a":1}'), undefined, 3), /exceeds the limit of 3 bytes/);
});

test("create bodies: a null in a known field is dropped like Go's zero value (docker-py's StartPeriod: null)", () => {
  const body: Record<string, any> = { Image: "busybox", Healthcheck: { Test: ["CMD", "true"], StartPeriod: null, Interval: 1_000_000_000 }, Labels: null, Extra: null };
  checkShape(body, CONTAINER_CREATE, "create container");
  assert.deepEqual(body, { Image: "busybox", Healthcheck: { Test: ["CMD", "true"], Interval: 1_000_000_000 }, Extra: null });
});
