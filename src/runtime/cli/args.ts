import { invalidArgument } from "../../errors/EngineError.js";

export interface FlagDef {
  /** Property name in the parsed options. */
  key: string;
  /** Takes a value (`--x V` or `--x=V`); otherwise a boolean. */
  value?: boolean;
  /** May repeat; values collected in order. */
  multi?: boolean;
}

export type Flags = Record<string, FlagDef>;
export type ParsedOptions = Record<string, string | boolean | string[] | undefined>;

/**
 * runc-style flag parsing: `--name value`, `--name=value`, `-x`, booleans also as
 * `--name=true|false`. With `stopAtPositional` (exec, run's command), everything after the
 * first positional belongs to it; otherwise flags and positionals may interleave. `--` ends flags.
 */
export function parseArgs(argv: readonly string[], flags: Flags, opts: { stopAtPositional?: boolean; command: string }): { options: ParsedOptions; positionals: string[] } {
  const options: ParsedOptions = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-" || (opts.stopAtPositional && positionals.length > 0)) {
      positionals.push(a);
      if (opts.stopAtPositional) {
        positionals.push(...argv.slice(i + 1));
        break;
      }
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(0, eq) : a;
    const def = flags[name];
    if (!def) throw invalidArgument(`${opts.command}: unknown flag ${name}`);
    let value: string | boolean;
    if (def.value) {
      if (eq >= 0) value = a.slice(eq + 1);
      else {
        if (i + 1 >= argv.length) throw invalidArgument(`${opts.command}: flag ${name} needs a value`);
        value = argv[++i];
      }
    } else if (eq >= 0) {
      const v = a.slice(eq + 1);
      if (v !== "true" && v !== "false") throw invalidArgument(`${opts.command}: flag ${name} is a boolean, got ${JSON.stringify(v)}`);
      value = v === "true";
    } else value = true;
    if (def.multi) options[def.key] = [...((options[def.key] as string[] | undefined) ?? []), String(value)];
    else options[def.key] = value;
  }
  return { options, positionals };
}

/** Exactly `n` positionals (named for the message), else InvalidArgument. */
export function expectPositionals(positionals: string[], names: string[], command: string, optional = 0): string[] {
  const min = names.length - optional;
  if (positionals.length < min) throw invalidArgument(`${command}: missing ${names[positionals.length]} argument (usage: ${command} ${names.map((n, i) => (i >= min ? `[${n}]` : n)).join(" ")})`);
  if (positionals.length > names.length) throw invalidArgument(`${command}: unexpected argument ${JSON.stringify(positionals[names.length])}`);
  return positionals;
}

export const str = (v: ParsedOptions[string]): string | undefined => (typeof v === "string" ? v : undefined);
export const bool = (v: ParsedOptions[string]): boolean => v === true;
export const list = (v: ParsedOptions[string]): string[] => (Array.isArray(v) ? v : []);
