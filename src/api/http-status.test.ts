import { test } from "node:test";
import { strict as assert } from "node:assert";
import { EngineError, type ErrorKind } from "../errors/EngineError.js";
import { errorBody, httpErrorFrom, kindForStatus, STATUS_FOR_KIND } from "./http-status.js";

test("every error kind maps to moby's status", () => {
  const expected: Record<ErrorKind, number> = {
    NotFound: 404, InvalidArgument: 400, Conflict: 409, AlreadyExists: 409, Forbidden: 403,
    FailedPrecondition: 412, NotImplemented: 501, Unavailable: 503, Internal: 500,
  };
  assert.deepEqual({ ...STATUS_FOR_KIND }, expected);
  for (const [kind, status] of Object.entries(expected)) {
    assert.deepEqual(httpErrorFrom(new EngineError(kind as ErrorKind, `x: ${kind}`)), { status, message: `x: ${kind}` });
  }
});

test("statuses map back to kinds (409 reads as Conflict)", () => {
  for (const kind of Object.keys(STATUS_FOR_KIND) as ErrorKind[]) {
    const back = kindForStatus(STATUS_FOR_KIND[kind]);
    assert.equal(back, kind === "AlreadyExists" ? "Conflict" : kind);
  }
  assert.equal(kindForStatus(401), "Forbidden");
  assert.equal(kindForStatus(502), "Internal");
});

test("unknown throws are 500 and cleanup failures are reported", () => {
  assert.deepEqual(httpErrorFrom(new TypeError("boom")), { status: 500, message: "boom" });
  assert.deepEqual(httpErrorFrom("str"), { status: 500, message: "str" });
  const e = new EngineError("Conflict", "remove: busy", { cleanupErrors: [new Error("umount failed")] });
  assert.equal(httpErrorFrom(e).message, "remove: busy (cleanup also failed: umount failed)");
  assert.equal(errorBody('say "hi"'), '{"message":"say \\"hi\\""}');
});
