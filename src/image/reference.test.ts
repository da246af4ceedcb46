import { test } from "node:test";
import { strict as assert } from "node:assert";
import { isEngineError } from "../errors/EngineError.js";
import { familiarString, formatReference, normalizeReference, parseReference, validateTag } from "./reference.js";

const D = `sha256:${"ab".repeat(32)}`;

test("reference: normalization fills docker.io, library/ and latest", () => {
  const cases: Array<[string, string, string]> = [
    ["busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"],
    ["library/busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["user/app", "docker.io/user/app:latest", "user/app:latest"],
    ["localhost:5000/a/b:tag", "localhost:5000/a/b:tag", "localhost:5000/a/b:tag"],
    ["localhost/app", "localhost/app:latest", "localhost/app:latest"],
    ["ghcr.io/org/tool:v1.2.3", "ghcr.io/org/tool:v1.2.3", "ghcr.io/org/tool:v1.2.3"],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`, `busybox@${D}`],
    [`busybox:1@${D}`, `docker.io/library/busybox:1@${D}`, `busybox:1@${D}`],
    ["[::1]:5000/app:x", "[::1]:5000/app:x", "[::1]:5000/app:x"],
    ["a.b-c/d__e/f--g:T_1.x", "a.b-c/d__e/f--g:T_1.x", "a.b-c/d__e/f--g:T_1.x"],
  ];
  for (const [input, full, short] of cases) {
    const ref = normalizeReference(input);
    assert.equal(formatReference(ref), full, input);
    assert.equal(familiarString(ref), short, input);
  }
});

test("reference: parse without defaults keeps tag and digest absent", () => {
  assert.deepEqual(parseReference("busybox"), { domain: "docker.io", path: "library/busybox" });
  assert.deepEqual(parseReference("localhost:5000/x@" + D), { domain: "localhost:5000", path: "x", digest: D });
});

test("reference: invalid formats use Docker's texts", () => {
  const invalid = ["", "UPPER/../x", "busybox:", "busybox:-tag", "a//b", "-a", "a-", "a:b:c", "busybox@sha256:123", `busybox@sha256:${"a".repeat(63)}`, "busy box", "a/b:" + "t".repeat(129), "x@md5:" + "a".repeat(32)];
  for (const s of invalid) {
    assert.throws(() => normalizeReference(s), (e) => isEngineError(e, "InvalidArgument") && /^invalid reference format/.test(e.message), s);
  }
  assert.throws(() => normalizeReference("Busybox"), { message: "invalid reference format: repository name (library/Busybox) must be lowercase" });
  assert.throws(() => normalizeReference("a".repeat(64)), { message: `invalid repository name (${"a".repeat(64)}), cannot specify 64-byte hexadecimal strings` });
  assert.throws(() => normalizeReference("x/" + "a".repeat(260)), /must not be more than 255 characters/);
});

test("reference: uppercase is allowed in the registry host", () => {
  assert.equal(formatReference(normalizeReference("Registry.Example.com/app")), "Registry.Example.com/app:latest");
});

test("reference: validateTag", () => {
  assert.equal(validateTag("v1.0_rc-1"), "v1.0_rc-1");
  assert.throws(() => validateTag(".x"), { message: "invalid reference format" });
});
