import { test } from "node:test";
import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RECORD_FILE, readRecord, writeRecord, type ContainerRecord } from "./containerStore.js";

function record(id: string, annotations?: Record<string, string>): ContainerRecord {
  return {
    id, ociVersion: "1.0.2", bundle: "/b", rootfs: "/b/rootfs", pid: 0, pidStartTime: "", shimPid: 0, shimStartTime: "",
    cgroupsPath: "", started: false, created: "2026-01-01T00:00:00.000Z", namespaces: ["mnt"], procsFiles: [], annotations,
  };
}

function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "berth-test-rtstore-"));
  return fn(root).finally(() => rmSync(root, { recursive: true, force: true }));
}

test("containerStore: a fresh record is created with its content (no temporary file), then rewritten in place", () =>
  withRoot(async (root) => {
    mkdirSync(join(root, "c1"));
    await writeRecord(root, record("c1"), { fresh: true });
    assert.deepEqual(readdirSync(join(root, "c1")), [RECORD_FILE]);
    assert.equal((await readRecord(root, "c1")).pid, 0);
    await assert.rejects(writeRecord(root, record("c1"), { fresh: true }), /EEXIST/, "a fresh write never replaces a record");
    await writeRecord(root, { ...record("c1"), pid: 42 });
    assert.equal((await readRecord(root, "c1")).pid, 42);
    assert.deepEqual(readdirSync(join(root, "c1")), [RECORD_FILE]);
  }));

test("containerStore: an empty record file (created, not yet written) reads as missing", () =>
  withRoot(async (root) => {
    mkdirSync(join(root, "c2"));
    writeFileSync(join(root, "c2", RECORD_FILE), "");
    await assert.rejects(readRecord(root, "c2"), (e: Error & { kind?: string }) => e.kind === "NotFound");
  }));

test("containerStore: a fresh record larger than a page goes through a temporary file and rename", () =>
  withRoot(async (root) => {
    mkdirSync(join(root, "c3"));
    const big = record("c3", { big: "x".repeat(6000) });
    await writeRecord(root, big, { fresh: true });
    assert.deepEqual(readdirSync(join(root, "c3")), [RECORD_FILE]);
    assert.equal(JSON.parse(readFileSync(join(root, "c3", RECORD_FILE), "utf8")).annotations.big.length, 6000);
  }));
