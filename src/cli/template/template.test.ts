import { test } from "node:test";
import { strict as assert } from "node:assert";
import { parseTemplate } from "./parse.js";
import { executeTemplate, STRICT } from "./execute.js";

const run = (src: string, data: unknown) => executeTemplate(parseTemplate(src), data);

test("field chains, literals and Go's printing of lists, maps and missing values", () => {
  const data = { Name: "/web", State: { Running: true, Pid: 42 }, Config: { Env: ["A=1", "B=2"], Labels: { b: "2", a: "1" } }, Nil: null };
  assert.equal(run("{{.Name}} {{.State.Running}} {{.State.Pid}}", data), "/web true 42");
  assert.equal(run("{{.Config.Env}}", data), "[A=1 B=2]");
  assert.equal(run("{{.Config.Labels}}", data), "map[a:1 b:2]");
  assert.equal(run("{{.Nope}} {{.Nil}}", data), "<no value> <no value>");
  assert.equal(run('{{"x"}}-{{3}}-{{true}}', data), "x-3-true");
});

test("functions and pipes: json, join, index, len, lower/upper, printf, comparisons", () => {
  const data = { Names: ["a", "b"], Labels: { "com.x": "y" }, N: 3 };
  assert.equal(run("{{json .Names}}", data), '["a","b"]');
  assert.equal(run("{{.Names | json}}", data), '["a","b"]');
  assert.equal(run('{{join .Names ","}}', data), "a,b");
  assert.equal(run('{{index .Labels "com.x"}}', data), "y");
  assert.equal(run("{{len .Names}}", data), "2");
  assert.equal(run('{{upper "ab"}}{{lower "CD"}}', data), "ABcd");
  assert.equal(run('{{printf "%s=%d" "n" .N}}', data), "n=3");
  assert.equal(run("{{if eq .N 3}}three{{else}}other{{end}}", data), "three");
  assert.equal(run("{{json .}}", { b: 1, a: [1] }), '{"b":1,"a":[1]}');
  assert.equal(run("{{(index .Names 1)}}", data), "b");
});

test("range, with, if/else and trim markers", () => {
  const data = { Mounts: [{ Source: "/a" }, { Source: "/b" }], Nets: { bridge: { IP: "1" }, host: { IP: "2" } }, Empty: [] };
  assert.equal(run("{{range .Mounts}}{{.Source}};{{end}}", data), "/a;/b;");
  assert.equal(run("{{range .Nets}}{{.IP}}{{end}}", data), "12");
  assert.equal(run("{{range .Empty}}x{{else}}none{{end}}", data), "none");
  assert.equal(run("{{with .Mounts}}{{len .}}{{end}}", data), "2");
  assert.equal(run("a  {{- 1 -}}  b", data), "a1b");
});

test("strict contexts reject unknown fields; methods take arguments", () => {
  const row = { [STRICT]: "*formatter.ContainerContext", ID: "abc", Label: (k: string) => (k === "x" ? "1" : "") };
  assert.equal(run('{{.ID}} {{.Label "x"}}', row), "abc 1");
  assert.throws(() => run("{{.Nope}}", row), /can't evaluate field Nope in type \*formatter.ContainerContext/);
});

test("unsupported syntax fails with a clear message", () => {
  assert.throws(() => parseTemplate("{{$x := 1}}"), /variables \(\$\.\.\.\) are not supported/);
  assert.throws(() => parseTemplate('{{define "x"}}{{end}}'), /\{\{define\}\} is not supported/);
  assert.throws(() => parseTemplate("{{if .A}}x"), /without \{\{end\}\}/);
  assert.throws(() => parseTemplate("{{.A"), /unclosed action/);
  assert.throws(() => run("{{nosuch .A}}", {}), /function "nosuch" not defined/);
});
