/**
 * A parser for the subset of Go's text/template the docker CLI's --format is used with:
 * field chains (`.State.Status`), `.`, string/number/bool literals, function calls, pipes
 * (`.Names | json`), parentheses, and `if` / `range` / `with` blocks with `else`, with the
 * `{{-` / `-}}` trim markers. Variables (`$x`), `define`/`template`/`block` and comments are
 * refused with a clear error rather than half-supported.
 */
export type Arg =
  | { kind: "dot" }
  | { kind: "field"; path: string[]; on?: Arg }
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "nil" }
  | { kind: "func"; name: string }
  | { kind: "pipe"; pipe: Pipe };

export interface Command { args: Arg[] }
export interface Pipe { commands: Command[] }

export type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipe: Pipe }
  | { kind: "if" | "range" | "with"; pipe: Pipe; body: Node[]; elseBody: Node[] };

export class TemplateError extends Error {
  constructor(message: string) {
    super(`template: ${message}`);
    this.name = "TemplateError";
  }
}

interface RawAction { text: string; pos: number }

/** Splits the source into text and action pieces, applying trim markers. */
function split(src: string): (string | RawAction)[] {
  const out: (string | RawAction)[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    if (open === -1) { out.push(src.slice(i)); break; }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith("- ", start) || src.startsWith("-\t", start) || src.startsWith("-\n", start)) { text = text.replace(/\s+$/, ""); start++; }
    const close = src.indexOf("}}", start);
    if (close === -1) throw new TemplateError(`:${open}: unclosed action`);
    let end = close;
    let next = close + 2;
    if (src[close - 1] === "-" && /\s/.test(src[close - 2] ?? "")) {
      end = close - 1;
      const m = /^\s*/.exec(src.slice(next))!;
      next += m[0].length;
    }
    if (text) out.push(text);
    out.push({ text: src.slice(start, end).trim(), pos: open });
    i = next;
  }
  return out;
}

type Tok = { t: "str" | "num" | "field" | "ident" | "dot" | "pipe" | "lp" | "rp"; v: string };

function tokenize(text: string, pos: number): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "|") { toks.push({ t: "pipe", v: c }); i++; continue; }
    if (c === "(") { toks.push({ t: "lp", v: c }); i++; continue; }
    if (c === ")") { toks.push({ t: "rp", v: c }); i++; continue; }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (j >= text.length) throw new TemplateError(`:${pos}: unterminated quoted string`);
      toks.push({ t: "str", v: JSON.parse(text.slice(i, j + 1)) as string });
      i = j + 1;
      continue;
    }
    if (c === "`") {
      const j = text.indexOf("`", i + 1);
      if (j === -1) throw new TemplateError(`:${pos}: unterminated raw string`);
      toks.push({ t: "str", v: text.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (c === "$") throw new TemplateError(`:${pos}: variables ($...) are not supported by berth's --format`);
    if (c === "/" && text[i + 1] === "*") throw new TemplateError(`:${pos}: comments are not supported by berth's --format`);
    const m = /^(?:\.[A-Za-z_][A-Za-z0-9_]*)+|^\.|^-?\d+(?:\.\d+)?|^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!m) throw new TemplateError(`:${pos}: unexpected ${JSON.stringify(c)} in action`);
    const w = m[0];
    if (w === ".") toks.push({ t: "dot", v: w });
    else if (w.startsWith(".")) toks.push({ t: "field", v: w });
    else if (/^-?\d/.test(w)) toks.push({ t: "num", v: w });
    else toks.push({ t: "ident", v: w });
    i += w.length;
  }
  return toks;
}

function parsePipe(toks: Tok[], at: { i: number }, pos: number, inParens: boolean): Pipe {
  const commands: Command[] = [];
  let args: Arg[] = [];
  while (at.i < toks.length) {
    const k = toks[at.i]!;
    if (k.t === "rp") {
      if (!inParens) throw new TemplateError(`:${pos}: unexpected )`);
      break;
    }
    at.i++;
    if (k.t === "pipe") {
      if (args.length === 0) throw new TemplateError(`:${pos}: missing command before |`);
      commands.push({ args });
      args = [];
      continue;
    }
    let arg: Arg;
    switch (k.t) {
      case "str": arg = { kind: "string", value: k.v }; break;
      case "num": arg = { kind: "number", value: Number(k.v) }; break;
      case "dot": arg = { kind: "dot" }; break;
      case "field": arg = { kind: "field", path: k.v.slice(1).split(".") }; break;
      case "lp": {
        const inner = parsePipe(toks, at, pos, true);
        if (toks[at.i]?.t !== "rp") throw new TemplateError(`:${pos}: unclosed (`);
        at.i++;
        arg = { kind: "pipe", pipe: inner };
        // (expr).Field
        const nxt = toks[at.i];
        if (nxt && nxt.t === "field" && toks[at.i - 1]?.t === "rp") {
          at.i++;
          arg = { kind: "field", path: nxt.v.slice(1).split("."), on: arg };
        }
        break;
      }
      default:
        if (k.v === "true" || k.v === "false") arg = { kind: "bool", value: k.v === "true" };
        else if (k.v === "nil") arg = { kind: "nil" };
        else arg = { kind: "func", name: k.v };
    }
    args.push(arg);
  }
  if (args.length === 0) throw new TemplateError(`:${pos}: missing value for command`);
  commands.push({ args });
  return { commands };
}

function pipeOf(text: string, pos: number): Pipe {
  const toks = tokenize(text, pos);
  const at = { i: 0 };
  const p = parsePipe(toks, at, pos, false);
  if (at.i < toks.length) throw new TemplateError(`:${pos}: unexpected ${toks[at.i]!.v}`);
  return p;
}

const UNSUPPORTED = new Set(["define", "template", "block", "break", "continue"]);

export function parseTemplate(src: string): Node[] {
  const pieces = split(src);
  let i = 0;
  const parseList = (inBlock: boolean): { nodes: Node[]; end: "end" | "else" | "eof" } => {
    const nodes: Node[] = [];
    while (i < pieces.length) {
      const p = pieces[i++]!;
      if (typeof p === "string") { nodes.push({ kind: "text", text: p }); continue; }
      const word = /^[a-z]+/.exec(p.text)?.[0] ?? "";
      if (p.text.startsWith("/*")) throw new TemplateError(`:${p.pos}: comments are not supported by berth's --format`);
      if (word === "end" && p.text === "end") {
        if (!inBlock) throw new TemplateError(`:${p.pos}: unexpected {{end}}`);
        return { nodes, end: "end" };
      }
      if (word === "else" && (p.text === "else" || p.text.startsWith("else "))) {
        if (!inBlock) throw new TemplateError(`:${p.pos}: unexpected {{else}}`);
        if (p.text !== "else") throw new TemplateError(`:${p.pos}: {{else if}} is not supported by berth's --format; nest an {{if}}`);
        return { nodes, end: "else" };
      }
      if (UNSUPPORTED.has(word) && (p.text === word || p.text.startsWith(word + " "))) throw new TemplateError(`:${p.pos}: {{${word}}} is not supported by berth's --format`);
      if ((word === "if" || word === "range" || word === "with") && /^(if|range|with)\s/.test(p.text)) {
        const pipe = pipeOf(p.text.slice(word.length), p.pos);
        const body = parseList(true);
        let elseBody: Node[] = [];
        if (body.end === "else") {
          const e = parseList(true);
          if (e.end !== "end") throw new TemplateError(`:${p.pos}: {{${word}}} without {{end}}`);
          elseBody = e.nodes;
        } else if (body.end !== "end") throw new TemplateError(`:${p.pos}: {{${word}}} without {{end}}`);
        nodes.push({ kind: word, pipe, body: body.nodes, elseBody });
        continue;
      }
      nodes.push({ kind: "action", pipe: pipeOf(p.text, p.pos) });
    }
    return { nodes, end: "eof" };
  };
  const r = parseList(false);
  return r.nodes;
}
