// The installed `berth` command's entry (built by `npm run build:cli` into dist/berth-cli.cjs,
// CommonJS, beside dist/berth-cli-bundle.cjs, the whole CLI in one file): runs the bundle with a
// V8 code cache, so a command does not compile ~200 KB of JavaScript on every start (the
// bundle's compile is ~6-8 ms of a ~60 ms start; Node 20 has no compile cache of its own). The
// cache is checked against the bundle's size and mtime and the Node version (V8 itself only
// checks the source length); a missing, stale or rejected cache is rewritten when the command
// ends (atomically; silently skipped where dist/ is not writable). `node dist/src/bin/berth.js`
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
if (sourcesChanged()) {
  // `npx tsc -p .` alone does not rebuild the bundle: run tsc's tree — slower, never stale.
  void import(pathToFileURL(tscEntry).href);
} else {
  runBundle();
}

/**
 * Whether a source file of the bundle (esbuild's metafile lists them, relative to the checkout)
 * changed after it was built: ~100 stats, well under a millisecond. Without a metafile (a
 * copied dist) the bundle is taken as it is.
 */
function sourcesChanged(): boolean {
  let inputs: string[];
  try {
    inputs = Object.keys((JSON.parse(readFileSync(`${bundle}.meta.json`, "utf8")) as { inputs: Record<string, unknown> }).inputs);
  } catch {
    return false;
  }
  const root = dirname(dist);
  return inputs.some((f) => (statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0) > st.mtimeMs);
}

function runBundle(): void {
  const cacheFile = `${bundle}.cache`;

  const stamp = `${st.size}:${st.mtimeMs}:${process.version}\n`;
  let cached: Buffer | undefined;
  try {
    const c = readFileSync(cacheFile);
    if (c.subarray(0, stamp.length).toString("latin1") === stamp) cached = c.subarray(stamp.length);
  } catch {
    /* no cache yet */
  }

  // The CommonJS module wrapper, as Node's loader would apply it (the entry's #! line made a comment).
  const text = readFileSync(bundle, "utf8");
  const source = `(function (exports, require, module, __filename, __dirname) {${text.startsWith("#!") ? `//${text.slice(2)}` : text}\n})`;
  const script = new Script(source, { filename: bundle, cachedData: cached });
  // Not for a user who cannot write dist/: making the cache costs a few ms on every exit.
  if ((!cached || script.cachedDataRejected) && writable(dist)) {
    // After the command ran: the cache then also holds the functions it compiled lazily.
    process.once("exit", () => {
      const tmp = `${cacheFile}.${process.pid}`;
      try {
        writeFileSync(tmp, Buffer.concat([Buffer.from(stamp, "latin1"), script.createCachedData()]));
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
