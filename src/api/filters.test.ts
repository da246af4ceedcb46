import { test } from "node:test";
import { strict as assert } from "node:assert";
import { formatFilters, parseFilters, validateFilterNames } from "./filters.js";
import { isEngineError } from "../errors/EngineError.js";

test("list form and legacy map form parse to the same sets", () => {
  const a = parseFilters('{"label":["a=b","c"],"status":["running"]}');
  const b = parseFilters('{"label":{"a=b":true,"c":true,"off":false},"status":{"running":true}}');
  for (const f of [a, b]) {
    assert.deepEqual([...f.get("label")!].sort(), ["a=b", "c"]);
    assert.deepEqual([...f.get("status")!], ["running"]);
  }
});

test("empty and null filters are empty", () => {
  assert.equal(parseFilters(undefined).size, 0);
  assert.equal(parseFilters("").size, 0);
  assert.equal(parseFilters("null").size, 0);
  assert.equal(parseFilters("{}").size, 0);
});

test("bad filters are invalid arguments naming the problem", () => {
  const bad: [string, RegExp][] = [
    ["{not json", /invalid filter JSON/],
    ['["a"]', /must be a JSON object/],
    ['{"label":"x"}', /filter "label" must be a list/],
    ['{"label":[1]}', /filter "label" must be a string/],
    ['{"label":{"x":"yes"}}', /legacy value of filter "label"/],
  ];
  for (const [raw, re] of bad) {
    assert.throws(() => parseFilters(raw), (e: unknown) => isEngineError(e, "InvalidArgument") && re.test((e as Error).message), raw);
  }
});

test("unknown filter names are rejected with Docker's text; format round-trips", () => {
  const f = parseFilters('{"name":["web"],"bogus":["x"]}');
  assert.throws(() => validateFilterNames(f, ["name"]), /invalid filter 'bogus'/);
  assert.deepEqual(parseFilters(formatFilters({ name: ["a", "b"] })).get("name"), new Set(["a", "b"]));
  assert.equal(formatFilters(parseFilters('{"x":{"y":true}}')), '{"x":["y"]}');
});
