// The shim's in-rootfs path resolver (native/shim/resolve.c), with openat2 and with the
// by-hand fallback for kernels before 5.6: runs native/tests/resolve_escape (no root needed).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

const BIN = resolve("native/build/tests/resolve_escape");

function skipReason(): string | undefined {
  if (existsSync(BIN)) return undefined;
  try {
    execFileSync("make", ["-C", "native", "build/tests/resolve_escape"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "native/build/tests/resolve_escape could not be built (make -C native)";
  }
}

test("symlinks and '..' in a rootfs never resolve outside it (openat2 and fallback)", { skip: skipReason() }, () => {
  const r = spawnSync(BIN, { encoding: "utf8" });
  assert.equal(r.stdout, "ok\n", r.stdout + r.stderr);
  assert.equal(r.status, 0);
});
