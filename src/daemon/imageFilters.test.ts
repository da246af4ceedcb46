import { test } from "node:test";
import { strict as assert } from "node:assert";
import { globMatch, imageFilter, parseTimestamp, referenceMatches } from "./imageFilters.js";

test("path.Match globs and reference.FamiliarMatch", () => {
  assert.ok(globMatch("busy*", "busybox"));
  assert.ok(!globMatch("*", "library/busybox"), "* does not cross /");
  assert.ok(globMatch("b?sybox:[l]atest", "busybox:latest"));
  assert.ok(referenceMatches("busybox", "busybox:latest"), "a bare name matches any tag");
  assert.ok(referenceMatches("busybox:latest", "busybox:latest"));
  assert.ok(!referenceMatches("busybox:1", "busybox:latest"));
  assert.ok(referenceMatches("127.0.0.1:5000/*", "127.0.0.1:5000/app:1"));
});

test("dangling, label, label!, before, since, until", () => {
  const created: Record<string, number> = { old: 100, mid: 200 };
  const f = (filters: Record<string, string[]>) => imageFilter(new Map(Object.entries(filters).map(([k, v]) => [k, new Set(v)])), { createdOf: (r) => created[r]!, now: 1_000_000 });
  const img = (over: object) => ({ id: "sha256:x", repoTags: ["a:1"], repoDigests: [], created: 150, labels: { k: "v", other: "" }, ...over });
  assert.ok(f({ dangling: ["true"] })(img({ repoTags: [] })));
  assert.ok(!f({ dangling: ["true"] })(img({})));
  assert.ok(f({ dangling: ["false"] })(img({})));
  assert.throws(() => f({ dangling: ["maybe"] }), /invalid filter 'dangling=maybe'/);
  assert.ok(f({ label: ["k=v", "other"] })(img({})));
  assert.ok(!f({ label: ["k=w"] })(img({})));
  assert.ok(!f({ "label!": ["k"] })(img({})));
  assert.ok(f({ before: ["mid"], since: ["old"] })(img({})));
  assert.ok(!f({ before: ["old"] })(img({})));
  assert.ok(f({ until: ["160"] })(img({})));
  assert.ok(!f({ until: ["10m"] })(img({ created: 999_999 })));
  assert.equal(parseTimestamp("2024-01-01T00:00:00Z"), 1704067200);
  assert.throws(() => parseTimestamp("yesterday"), /cannot parse "yesterday"/);
});
