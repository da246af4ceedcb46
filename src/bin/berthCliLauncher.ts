// The installed `berth` command's entry (built by `npm run build:cli` into dist/berth-cli.cjs,
// CommonJS, beside dist/berth-cli-bundle.cjs, the whole CLI in one file): runs the bundle with a
// V8 code cache, so a command does not compile ~200 KB of JavaScript on every start (the
// bundle's compile is ~6-8 ms of a ~60 ms start; Node 20 has no compile cache of its own). The
// cache is checked against the bundle's size and mtime and the Node version (V8 itself only
// checks the source length); a missing, stale or rejected cache is rewritten when a command
// (not `--version`/`--help` alone) ends with status 0 (atomically; silently skipped where dist/
// is not writable). `node dist/src/bin/berth.js`
// runs the same CLI unbundled, and so does this launcher when a source of the bundle changed
// after it was built. Only meaningful as dist/berth-cli.cjs: it finds the bundle beside the script Node runs.
import { accessSync, constants, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";

const dist = dirname(process.argv[1]!);
const bundle = join(dist, "berth-cli-bundle.cjs");
const tscEntry = join(dist, "src/bin/berth.js");

const st = statSync(bundle);
const cacheFile = `${bundle}.cache`;
// The cache file: this stamp line, the bundle's sources (one JSON line), then V8's code cache.
const stamp = `${st.size}:${st.mtimeMs}:${process.version}\n`;
const cache = readCache();
if (sourcesChanged(cache?.inputs ?? metafileInputs())) {
  // `npx tsc -p .` alone does not rebuild the bundle: run tsc's tree — slower, never stale.
  void import(pathToFileURL(tscEntry).href);
} else {
  runBundle(cache?.data);
}

/** The cache written for this very bundle by an earlier run, if any. */
function readCache(): { inputs: string[]; data: Buffer } | undefined {
  let c: Buffer;
  try {
    c = readFileSync(cacheFile);
  } catch {
    return undefined; // no cache yet
  }
  if (c.subarray(0, stamp.length).toString("latin1") !== stamp) return undefined;
  const eol = c.indexOf(10, stamp.length);
  if (eol < 0) return undefined;
  try {
    return { inputs: JSON.parse(c.subarray(stamp.length, eol).toString("utf8")) as string[], data: c.subarray(eol + 1) };
  } catch {
    return undefined;
  }
}

/**
 * The bundle's sources, relative to the checkout, from esbuild's metafile (~90 KB of JSON, so
 * read only when there is no cache yet; the cache keeps the list). Without a metafile (a
 * copied dist) there are none: the bundle is taken as it is.
 */
function metafileInputs(): string[] {
  try {
    return Object.keys((JSON.parse(readFileSync(`${bundle}.meta.json`, "utf8")) as { inputs: Record<string, unknown> }).inputs);
  } catch {
    return [];
  }
}

/** Whether a source of the bundle changed after it was built: ~100 stats, about a millisecond. */
function sourcesChanged(inputs: string[]): boolean {
  const root = dirname(dist);
  return inputs.some((f) => (statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0) > st.mtimeMs);
}

/**
 * Whether this run shows what commands compile: not `--version`/`--help` alone (what
 * `npm run build:cli` runs to check the bundle), whose cache would hold little beyond the entry,
 * leaving the transport and the command code to be compiled again on every start.
 */
function representative(argv: string[]): boolean {
  return argv.some((a) => !/^(-v|--version|-h|--help)$/.test(a));
}

function runBundle(cached: Buffer | undefined): void {
  // The CommonJS module wrapper, as Node's loader would apply it (the entry's #! line made a comment).
  const text = readFileSync(bundle, "utf8");
  const source = `(function (exports, require, module, __filename, __dirname) {${text.startsWith("#!") ? `//${text.slice(2)}` : text}\n})`;
  const script = new Script(source, { filename: bundle, cachedData: cached });
  // Not for a user who cannot write dist/: making the cache costs a few ms on every exit.
  if ((!cached || script.cachedDataRejected) && representative(process.argv.slice(2)) && writable(dist)) {
    // After a command that succeeded: the cache then also holds the functions it compiled
    // lazily (transport, parsing, output), shared by most commands.
    process.once("exit", (code) => {
      if (code !== 0) return;
      const tmp = `${cacheFile}.${process.pid}`;
      try {
        const inputs = JSON.stringify(metafileInputs());
        writeFileSync(tmp, Buffer.concat([Buffer.from(stamp, "latin1"), Buffer.from(`${inputs}\n`), script.createCachedData()]));
        renameSync(tmp, cacheFile);
      } catch {
        rmSync(tmp, { force: true }); // a full disk, say: run without a cache
      }
    });
  }
  const mod = { exports: {} };
  (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
