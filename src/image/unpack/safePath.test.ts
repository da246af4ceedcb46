import { test } from "node:test";
import { strict as assert } from "node:assert";
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEngineError } from "../../errors/EngineError.js";
import { SafeRoot } from "./safePath.js";

function withRoot(f: (base: string, root: string) => void): void {
  const base = mkdtempSync(join(tmpdir(), "berth-test-safepath-"));
  try {
    const root = join(base, "root");
    mkdirSync(root);
    f(base, root);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

test("parentsOfSync creates missing parents and reports each created one", () => {
  withRoot((_base, root) => {
    const created: string[] = [];
    const abs = new SafeRoot(root).parentsOfSync(["a", "b", "f"], true, (rel) => created.push(rel));
    assert.equal(abs, join(root, "a", "b", "f"));
    assert.deepEqual(created, ["a", "a/b"]);
    assert.ok(lstatSync(join(root, "a", "b")).isDirectory());
  });
});

test("parentsOfSync refuses a symlinked or non-directory parent, and a missing one without create", () => {
  withRoot((base, root) => {
    symlinkSync(base, join(root, "link"));
    writeFileSync(join(root, "file"), "x");
    const safe = new SafeRoot(root);
    const refused = (parts: string[], create = true) => assert.throws(() => safe.parentsOfSync(parts, create), (e) => isEngineError(e, "InvalidArgument"));
    refused(["link", "x"]);
    refused(["file", "x"]);
    refused(["missing", "x"], false);
    assert.throws(() => lstatSync(join(base, "x")));
    assert.throws(() => lstatSync(join(root, "missing")));
  });
});

test("parentsOfSync re-checks a parent after invalidate (it may have become a symlink)", () => {
  withRoot((base, root) => {
    const safe = new SafeRoot(root);
    safe.parentsOfSync(["d", "f"]);
    rmSync(join(root, "d"), { recursive: true });
    symlinkSync(base, join(root, "d"));
    safe.invalidate(["d"]);
    assert.throws(() => safe.parentsOfSync(["d", "f"]), (e) => isEngineError(e, "InvalidArgument"));
  });
});
