import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Seccomp } from "../../oci/runtime.js";
import { EngineError, failedPrecondition, internal, invalidArgument } from "../../errors/EngineError.js";
import { flattenSeccomp } from "./flatten.js";

/**
 * Compiles an OCI seccomp profile into the BPF program file berth-shim loads, through a cache
 * keyed by the profile and the compiler: the first container with a given profile pays for
 * libseccomp (a process, a few ms), every later one costs a hash and a stat.
 */

export interface CompileSeccompOptions {
  /** Directory of compiled programs, `<sha256>.bpf` (created if missing). */
  cacheDir: string;
  /** The berth-seccomp binary; see defaultSeccompCompiler(). */
  compiler?: string;
}

const INSTALLED_COMPILER = "/usr/local/libexec/berth/berth-seccomp";
/** sizeof(struct sock_filter): a program file is a whole number of these. */
const INSN_SIZE = 8;
/** Bump when the cache key's meaning changes (e.g. the flat format). */
const CACHE_KEY_VERSION = "berth-seccomp-cache 1";

/**
 * The installed compiler if present, else the one `make -C native` builds in this checkout
 * (this file is dist/src/runtime/seccomp/compile.js: the repository root is 4 levels up).
 */
export function defaultSeccompCompiler(): string {
  if (existsSync(INSTALLED_COMPILER)) return INSTALLED_COMPILER;
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, "../../../../native/build/berth-seccomp");
}

/**
 * What the output depends on besides the profile: the compiler binary (its identity changes
 * when it is rebuilt or reinstalled, which is also when a libseccomp upgrade takes effect for
 * the build's headers). A stat, not a run, so a cache hit starts no process.
 */
function compilerIdentity(compiler: string): string {
  try {
    const st = statSync(compiler);
    if (!st.isFile()) throw failedPrecondition(`compile seccomp profile: compiler ${compiler} is not a file`);
    return `${compiler}\0${st.dev}:${st.ino}\0${st.size}\0${st.mtimeMs}`;
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw failedPrecondition(`compile seccomp profile: compiler ${compiler} not found (build it with make -C native)`, { cause: e });
  }
}

function isProgram(path: string): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  return st !== undefined && st.isFile() && st.size > 0 && st.size % INSN_SIZE === 0;
}

/** Runs `compiler - out` with the flat profile on stdin; berth-seccomp renames into place itself. */
function runCompiler(compiler: string, flat: string, out: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(compiler, ["-", out], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => {
      if (stderr.length < 8192) stderr += d;
    });
    // The compiler may exit before reading everything (a syntax error on line 1): not our error.
    child.stdin.on("error", () => {});
    child.on("error", (e) => reject(internal(`compile seccomp profile: run ${compiler}: ${e.message}`, { cause: e })));
    child.on("close", (code, signal) => {
      if (code === 0) return resolvePromise();
      const msg = stderr.trim().split("\n")[0] || (signal ? `killed by ${signal}` : `exit status ${code}`);
      // berth-seccomp exits 1 for a profile libseccomp refuses; anything else is a broken compiler.
      const err = code === 1 ? invalidArgument(`compile seccomp profile: ${msg}`) : internal(`compile seccomp profile: ${msg}`);
      err.detail.stderr = stderr;
      reject(err);
    });
    child.stdin.end(flat);
  });
}

/**
 * Returns the path of the compiled program for `profile`, `<cacheDir>/<hash>.bpf`, compiling it
 * only on a cache miss. Safe to call concurrently for the same profile (each compile writes a
 * private temp file and renames it over the same name with the same content).
 */
/**
 * Flat texts of recent profiles, by their JSON: every container with the default profile
 * passes the same one, and flattening it (~160 µs) costs fifteen times its JSON.stringify.
 * Flattening is pure, and a profile it refuses throws before anything is kept.
 */
const flatByJson = new Map<string, string>();
const FLAT_CACHE_MAX = 16;

function flatOf(profile: Seccomp): string {
  const key = JSON.stringify(profile);
  let flat = flatByJson.get(key);
  if (flat === undefined) {
    flat = flattenSeccomp(profile);
    if (flatByJson.size >= FLAT_CACHE_MAX) flatByJson.delete(flatByJson.keys().next().value!);
    flatByJson.set(key, flat);
  }
  return flat;
}

export async function compileSeccomp(profile: Seccomp, opts: CompileSeccompOptions): Promise<string> {
  const flat = flatOf(profile);
  const compiler = opts.compiler ?? defaultSeccompCompiler();
  // Synchronous stats (a few µs each, from the inode cache): every container create passes
  // here, and two thread-pool round trips cost ~1 ms of a create's latency on a busy loop.
  const identity = compilerIdentity(compiler);
  const hash = createHash("sha256").update(`${CACHE_KEY_VERSION}\0${identity}\0`).update(flat).digest("hex");
  const out = join(opts.cacheDir, `${hash}.bpf`);
  if (isProgram(out)) return out;

  await mkdir(opts.cacheDir, { recursive: true });
  await runCompiler(compiler, flat, out);
  if (!isProgram(out)) throw internal(`compile seccomp profile: ${compiler} succeeded but left no program at ${out}`);
  return out;
}
