import { test } from "node:test";
import { strict as assert } from "node:assert";
import { renderRows, type FormatSpec } from "./formatter.js";
import { tabwrite } from "./tabwriter.js";
import { STRICT } from "./template/execute.js";

const spec: FormatSpec = { defaultTable: "table {{.ID}}\t{{.Name}}", headers: { ID: "CONTAINER ID", Name: "NAMES" } };
const rows = [{ [STRICT]: "ctx", ID: "abc", Name: "web" }, { [STRICT]: "ctx", ID: "defghi", Name: "db" }];

test("default table: header from the field names, docker's tabwriter layout", () => {
  assert.equal(renderRows(undefined, rows, spec), "CONTAINER ID   NAMES\nabc            web\ndefghi         db\n");
  assert.equal(renderRows("table", [], spec), "CONTAINER ID   NAMES\n");
});

test("raw templates with literal \\t, json lines, and unknown headers upper-cased", () => {
  assert.equal(renderRows("{{.ID}}\\t{{.Name}}", rows, spec), "abc\tweb\ndefghi\tdb\n");
  assert.equal(renderRows("json", rows, spec), '{"ID":"abc","Name":"web"}\n{"ID":"defghi","Name":"db"}\n');
  assert.equal(renderRows("{{json .}}", rows.slice(0, 1), spec), '{"ID":"abc","Name":"web"}\n');
  assert.equal(renderRows("table {{.Name}}\\t{{.ID}}", rows.slice(0, 1), { ...spec, headers: {} }), "NAME      ID\nweb       abc\n");
});

test("tabwriter: minimum width 10, padding 3, last cell unpadded", () => {
  assert.equal(tabwrite("a\tbb\tc\nxxxxxxxxxxxx\ty\tz"), "a              bb        c\nxxxxxxxxxxxx   y         z");
});
