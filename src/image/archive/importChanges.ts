import { invalidArgument } from "../../errors/EngineError.js";
import type { ContainerDefaults } from "../../oci/image.js";

/**
 * Docker's `--change` for `docker import` / `docker commit`: Dockerfile instructions that
 * only touch the image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME,
 * WORKDIR). JSON (exec) form and shell form as in a Dockerfile; anything else is refused.
 */
export function applyChanges(base: ContainerDefaults, changes: string[]): ContainerDefaults {
  const c: ContainerDefaults = structuredClone(base);
  for (const raw of changes) {
    const line = raw.trim();
    if (line === "") continue;
    const m = /^(\w+)\s*(.*)$/s.exec(line);
    if (!m) throw invalidArgument(`apply change ${JSON.stringify(raw)}: not an instruction`);
    const instr = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    switch (instr) {
      case "CMD": c.Cmd = commandForm(rest, raw); break;
      case "ENTRYPOINT": c.Entrypoint = commandForm(rest, raw); break;
      case "ENV": for (const [k, v] of keyValues(rest, raw, true)) setEnv(c, k, v); break;
      case "LABEL": for (const [k, v] of keyValues(rest, raw, false)) (c.Labels ??= {})[k] = v; break;
      case "EXPOSE":
        for (const p of words(rest, raw)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw invalidArgument(`apply change ${JSON.stringify(raw)}: invalid port ${JSON.stringify(p)}`);
          (c.ExposedPorts ??= {})[p.includes("/") ? p.toLowerCase() : `${p}/tcp`] = {};
        }
        break;
      case "VOLUME": {
        const vols = rest.startsWith("[") ? jsonArray(rest, raw) : words(rest, raw);
        for (const v of vols) (c.Volumes ??= {})[v] = {};
        break;
      }
      case "USER": c.User = single(rest, raw); break;
      case "WORKDIR": {
        const dir = single(rest, raw);
        c.WorkingDir = dir.startsWith("/") ? dir : `${(c.WorkingDir ?? "/").replace(/\/$/, "")}/${dir}`;
        break;
      }
      case "STOPSIGNAL": c.StopSignal = single(rest, raw); break;
      default:
        throw invalidArgument(`apply change ${JSON.stringify(raw)}: ${instr} is not supported here (allowed: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)`);
    }
  }
  return c;
}

function commandForm(rest: string, raw: string): string[] {
  if (rest.startsWith("[")) return jsonArray(rest, raw);
  if (rest === "") throw invalidArgument(`apply change ${JSON.stringify(raw)}: empty command`);
  return ["/bin/sh", "-c", rest];
}

function jsonArray(rest: string, raw: string): string[] {
  let v: unknown;
  try { v = JSON.parse(rest); } catch { throw invalidArgument(`apply change ${JSON.stringify(raw)}: invalid JSON array`); }
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw invalidArgument(`apply change ${JSON.stringify(raw)}: expected a JSON array of strings`);
  return v;
}

function single(rest: string, raw: string): string {
  if (rest === "") throw invalidArgument(`apply change ${JSON.stringify(raw)}: missing argument`);
  return rest;
}

/** Splits on whitespace, honouring double/single quotes and backslash escapes. */
function words(s: string, raw: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "\\" && i + 1 < s.length && quote !== "'") { cur += s[++i]; has = true; continue; }
    if (quote) { if (ch === quote) quote = undefined; else cur += ch; continue; }
    if (ch === '"' || ch === "'") { quote = ch; has = true; continue; }
    if (/\s/.test(ch)) { if (has) out.push(cur); cur = ""; has = false; continue; }
    cur += ch;
    has = true;
  }
  if (quote) throw invalidArgument(`apply change ${JSON.stringify(raw)}: unterminated quote`);
  if (has) out.push(cur);
  return out;
}

/** `k=v k2="v 2"`, or the legacy single pair `k v w` (ENV/LABEL). */
function keyValues(rest: string, raw: string, legacy: boolean): [string, string][] {
  const ws = words(rest, raw);
  if (ws.length === 0) throw invalidArgument(`apply change ${JSON.stringify(raw)}: missing key=value`);
  if (!ws[0]!.includes("=")) {
    if (!legacy && ws.length < 2) throw invalidArgument(`apply change ${JSON.stringify(raw)}: expected key=value`);
    const sp = /^(\S+)\s+(.*)$/s.exec(rest);
    if (!sp) throw invalidArgument(`apply change ${JSON.stringify(raw)}: expected key=value or "key value"`);
    return [[sp[1]!, sp[2]!]];
  }
  return ws.map((w) => {
    const i = w.indexOf("=");
    if (i <= 0) throw invalidArgument(`apply change ${JSON.stringify(raw)}: ${JSON.stringify(w)} is not key=value`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

function setEnv(c: ContainerDefaults, k: string, v: string): void {
  const env = (c.Env ??= []);
  const i = env.findIndex((e) => e.split("=")[0] === k);
  if (i >= 0) env[i] = `${k}=${v}`;
  else env.push(`${k}=${v}`);
}
