import { test } from "node:test";
import { strict as assert } from "node:assert";
import { freeRange, hostIdOfRoot, mapText, mappingOf, parseRemapFlag, parseSubIds } from "./usernsIds.js";

test("parseRemapFlag: dockerd's forms", () => {
  assert.deepEqual(parseRemapFlag("default"), { user: "berthremap", createDefault: true });
  assert.deepEqual(parseRemapFlag("alice"), { user: "alice", createDefault: false });
  assert.deepEqual(parseRemapFlag("alice:staff"), { user: "alice", group: "staff", createDefault: false });
  assert.deepEqual(parseRemapFlag("1000"), { user: "1000", createDefault: false });
  assert.deepEqual(parseRemapFlag("1000:1000"), { user: "1000", group: "1000", createDefault: false });
});

test("parseRemapFlag: refuses root, empty parts and junk", () => {
  for (const bad of ["", "root", "0", "0:0", "a:", ":b", "a:b:c", "a b", "../x"]) {
    assert.throws(() => parseRemapFlag(bad), (e: Error & { kind?: string }) => e.kind === "InvalidArgument" && e.message.startsWith("--userns-remap"), bad);
  }
});

test("parseSubIds: entries by name or id; comments, blanks and malformed lines skipped", () => {
  const text = "# comment\nalice:100000:65536\n\n1001:165536:65536\nbad:line\nzero:1:0\nneg:-1:5\nhuge:4294967295:2\n  bob:231072:1000  \n";
  assert.deepEqual(parseSubIds(text), [
    { owner: "alice", start: 100000, size: 65536 },
    { owner: "1001", start: 165536, size: 65536 },
    { owner: "bob", start: 231072, size: 1000 },
  ]);
});

test("mappingOf: every range of the owner, container ids laid over them in order", () => {
  const e = parseSubIds("alice:100000:1000\nbob:200000:5\n1001:300000:10\n");
  assert.deepEqual(mappingOf(e, ["alice", "1001"]), [
    { containerID: 0, hostID: 100000, size: 1000 },
    { containerID: 1000, hostID: 300000, size: 10 },
  ]);
  assert.deepEqual(mappingOf(e, ["nobody"]), []);
  assert.equal(mapText(mappingOf(e, ["alice", "1001"])), "0:100000:1000,1000:300000:10");
  assert.equal(hostIdOfRoot(mappingOf(e, ["bob"])), 200000);
  assert.equal(hostIdOfRoot([]), undefined);
});

test("freeRange: the first gap at or above 100000 that overlaps nothing", () => {
  assert.equal(freeRange([], 65536), 100000);
  const taken = parseSubIds("a:100000:65536\nb:165536:65536\nc:300000:10\n");
  assert.equal(freeRange(taken, 65536), 231072);
  assert.equal(freeRange(taken, 100000), 300010);
  assert.equal(freeRange(parseSubIds("x:50000:10\n"), 65536), 100000);
  assert.equal(freeRange(parseSubIds("x:99999:2\n"), 65536), 100001);
});
