import { flagError, HelpRequested } from "./errors.js";

/** A flag as docker's CLI (spf13/pflag) defines it. */
export interface FlagSpec {
  long: string;
  short?: string;
  /** Takes a value; otherwise boolean. */
  value?: boolean;
  /** May repeat (values collected). */
  multi?: boolean;
}

export interface Parsed {
  flags: Map<string, string[]>;
  args: string[];
}

export interface ParseOptions {
  /**
   * Flags may follow positionals (`berth rm x -f`), as in most docker commands. Off for
   * commands that pass the rest to a process (run, create, exec): there the first positional
   * ends flag parsing.
   */
  interspersed?: boolean;
}

/**
 * pflag-style parsing as the docker CLI does it: `--name v`, `--name=v`, `-n v`, `-nv`, `-n=v`,
 * grouped booleans `-it`, booleans as `--x=false`; `--` ends flags; `--help` (and `-h` unless the
 * command defines it) asks for the usage.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], command: string, opts: ParseOptions = {}): Parsed {
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags = new Map<string, string[]>();
  const args: string[] = [];
  const put = (s: FlagSpec, v: string) => {
    const prev = flags.get(s.long) ?? [];
    flags.set(s.long, s.multi ? [...prev, v] : [v]);
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") { i++; break; }
    if (!a.startsWith("-") || a === "-") {
      if (!opts.interspersed) break;
      args.push(a);
      continue;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const s = byLong.get(name);
      if (!s) {
        if (name === "help") throw new HelpRequested(specs);
        throw flagError(`unknown flag: --${name}`, command);
      }
      if (s.value) {
        if (eq >= 0) put(s, a.slice(eq + 1));
        else if (i + 1 < argv.length) put(s, argv[++i]!);
        else throw flagError(`flag needs an argument: --${name}`, command);
      } else put(s, eq >= 0 ? boolText(a.slice(eq + 1), name, command) : "true");
      continue;
    }
    // Short flags, possibly grouped: -it, -e VAL, -eVAL, -e=VAL
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const s = byShort.get(c);
      if (!s) {
        if (c === "h") throw new HelpRequested(specs);
        throw flagError(`unknown shorthand flag: '${c}' in ${a}`, command);
      }
      if (s.value) {
        let rest = a.slice(j + 1);
        if (rest.startsWith("=")) rest = rest.slice(1);
        if (rest !== "") put(s, rest);
        else if (i + 1 < argv.length) put(s, argv[++i]!);
        else throw flagError(`flag needs an argument: '${c}' in -${c}`, command);
        break;
      }
      put(s, "true");
    }
  }
  args.push(...argv.slice(i));
  return { flags, args };
}

function boolText(v: string, name: string, command: string): string {
  if (["true", "1", "t", "T", "TRUE", "True"].includes(v)) return "true";
  if (["false", "0", "f", "F", "FALSE", "False"].includes(v)) return "false";
  throw flagError(`invalid argument "${v}" for "--${name}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`, command);
}

export const flagValue = (p: Parsed, long: string): string | undefined => p.flags.get(long)?.at(-1);
export const flagValues = (p: Parsed, long: string): string[] => p.flags.get(long) ?? [];
export const flagBool = (p: Parsed, long: string): boolean => flagValue(p, long) === "true";

/** An integer flag, with pflag's error text. */
export function flagInt(p: Parsed, long: string, command: string): number | undefined {
  const v = flagValue(p, long);
  if (v === undefined) return undefined;
  if (!/^[-+]?\d+$/.test(v)) throw flagError(`invalid argument "${v}" for "--${long}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`, command);
  return Number(v);
}
