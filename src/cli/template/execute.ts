/**
 * Executes a parsed template against JSON-like data (inspect answers) or a formatter context
 * (an object whose missing fields are errors, like Go's structs). Values print as Go's fmt %v
 * does for decoded JSON: `[a b]` for lists, `map[k:v]` for objects, `<no value>` for missing.
 */
import { TemplateError, type Arg, type Node, type Pipe } from "./parse.js";
import { TEMPLATE_FUNCS } from "./funcs.js";

/** Marks an object whose unknown fields are an error (docker's formatter contexts). */
export const STRICT = Symbol("berth.template.strict");

export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return "<no value>";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === null ? "<nil>" : formatValue(x))).join(" ")}]`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${o[k] === null ? "<nil>" : formatValue(o[k])}`).join(" ")}]`;
  }
  return String(v);
}

/** Go's truth: false, 0, nil, and empty strings/lists/maps are false. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}

function field(on: unknown, name: string, args: unknown[], fieldPath: string): unknown {
  if (on === null || on === undefined) {
    throw new TemplateError(`executing at <${fieldPath}>: nil pointer evaluating interface {}.${name}`);
  }
  if (typeof on !== "object") throw new TemplateError(`executing at <${fieldPath}>: can't evaluate field ${name} in type ${typeof on}`);
  const o = on as Record<string | symbol, unknown>;
  if (!(name in o)) {
    if (o[STRICT]) throw new TemplateError(`executing at <${fieldPath}>: can't evaluate field ${name} in type ${String(o[STRICT])}`);
    return undefined;
  }
  const v = o[name];
  if (typeof v === "function") return (v as (...a: unknown[]) => unknown).apply(on, args);
  if (args.length > 0) throw new TemplateError(`executing at <${fieldPath}>: ${name} is not a method but has arguments`);
  return v;
}

function evalArg(a: Arg, dot: unknown): unknown {
  switch (a.kind) {
    case "dot": return dot;
    case "string":
    case "number":
    case "bool": return a.value;
    case "nil": return null;
    case "pipe": return evalPipe(a.pipe, dot);
    case "field": return evalField(a, dot, []);
    case "func": {
      const f = TEMPLATE_FUNCS[a.name];
      if (!f) throw new TemplateError(`function "${a.name}" not defined`);
      return f();
    }
  }
}

function evalField(a: Extract<Arg, { kind: "field" }>, dot: unknown, lastArgs: unknown[]): unknown {
  let v = a.on ? evalArg(a.on, dot) : dot;
  const shown = "." + a.path.join(".");
  for (let i = 0; i < a.path.length; i++) v = field(v, a.path[i]!, i === a.path.length - 1 ? lastArgs : [], shown);
  return v;
}

function evalPipe(p: Pipe, dot: unknown): unknown {
  let piped: unknown;
  let hasPiped = false;
  for (const cmd of p.commands) {
    const [head, ...rest] = cmd.args;
    const args = rest.map((x) => evalArg(x, dot));
    if (hasPiped) args.push(piped);
    let value: unknown;
    if (head!.kind === "func") {
      const f = TEMPLATE_FUNCS[head!.name];
      if (!f) throw new TemplateError(`function "${head!.name}" not defined`);
      value = f(...args);
    } else if (head!.kind === "field") {
      value = evalField(head!, dot, args);
    } else {
      if (args.length > 0) throw new TemplateError(`can't give argument to non-function ${formatValue(evalArg(head!, dot))}`);
      value = evalArg(head!, dot);
    }
    piped = value;
    hasPiped = true;
  }
  return piped;
}

function run(nodes: Node[], dot: unknown, out: string[]): void {
  for (const n of nodes) {
    switch (n.kind) {
      case "text": out.push(n.text); break;
      case "action": out.push(formatValue(evalPipe(n.pipe, dot))); break;
      case "if": {
        const v = evalPipe(n.pipe, dot);
        run(truthy(v) ? n.body : n.elseBody, dot, out);
        break;
      }
      case "with": {
        const v = evalPipe(n.pipe, dot);
        if (truthy(v)) run(n.body, v, out);
        else run(n.elseBody, dot, out);
        break;
      }
      case "range": {
        const v = evalPipe(n.pipe, dot);
        const items = Array.isArray(v) ? v : v && typeof v === "object" ? Object.keys(v).sort().map((k) => (v as Record<string, unknown>)[k]) : [];
        if (items.length === 0) run(n.elseBody, dot, out);
        for (const it of items) run(n.body, it, out);
        break;
      }
    }
  }
}

export function executeTemplate(nodes: Node[], data: unknown): string {
  const out: string[] = [];
  run(nodes, data, out);
  return out.join("");
}
