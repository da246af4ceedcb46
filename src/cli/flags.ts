import { invalidArgument } from "../errors/EngineError.js";

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

/**
 * pflag-style parsing as the docker CLI does it: `--name v`, `--name=v`, `-n v`, `-nv`, `-n=v`,
 * grouped booleans `-it`, booleans as `--x=false`; the first positional stops flag parsing
 * (interspersed: false, as `docker run IMAGE CMD --flags-of-cmd` needs), `--` ends flags.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], command: string): Parsed {
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags = new Map<string, string[]>();
  const put = (s: FlagSpec, v: string) => {
    const prev = flags.get(s.long) ?? [];
    flags.set(s.long, s.multi ? [...prev, v] : [v]);
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") { i++; break; }
    if (!a.startsWith("-") || a === "-") break;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const s = byLong.get(name);
      if (!s) throw invalidArgument(`unknown flag: --${name}\nSee 'berth ${command} --help'.`);
      if (s.value) {
        if (eq >= 0) put(s, a.slice(eq + 1));
        else if (i + 1 < argv.length) put(s, argv[++i]!);
        else throw invalidArgument(`flag needs an argument: --${name}`);
      } else put(s, eq >= 0 ? boolText(a.slice(eq + 1), name) : "true");
      continue;
    }
    // Short flags, possibly grouped: -it, -e VAL, -eVAL, -e=VAL
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const s = byShort.get(c);
      if (!s) throw invalidArgument(`unknown shorthand flag: '${c}' in ${a}\nSee 'berth ${command} --help'.`);
      if (s.value) {
        let rest = a.slice(j + 1);
        if (rest.startsWith("=")) rest = rest.slice(1);
        if (rest !== "") put(s, rest);
        else if (i + 1 < argv.length) put(s, argv[++i]!);
        else throw invalidArgument(`flag needs an argument: '${c}' in -${c}`);
        break;
      }
      put(s, "true");
    }
  }
  return { flags, args: argv.slice(i) as string[] };
}

function boolText(v: string, name: string): string {
  if (["true", "1", "t", "T", "TRUE", "True"].includes(v)) return "true";
  if (["false", "0", "f", "F", "FALSE", "False"].includes(v)) return "false";
  throw invalidArgument(`invalid argument "${v}" for "--${name}" flag: parse error`);
}

export const flagValue = (p: Parsed, long: string): string | undefined => p.flags.get(long)?.at(-1);
export const flagValues = (p: Parsed, long: string): string[] => p.flags.get(long) ?? [];
export const flagBool = (p: Parsed, long: string): boolean => flagValue(p, long) === "true";
