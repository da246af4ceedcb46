import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Seccomp } from "../../oci/runtime.js";
import { isEngineError } from "../../errors/EngineError.js";
import { compileSeccomp } from "./compile.js";

// A stand-in for berth-seccomp: records each run and the profile it read, and writes an
// 8-byte "program" the way the real one does (temp file, then rename).
let dir: string;
const script = (body: string) => `#!/bin/sh\nset -e\n${body}\n`;
const recording = (log: string) =>
  script(`cat > "${log}.$$"\necho run >> "${log}"\nprintf 12345678 > "$2.tmp.$$"\nmv "$2.tmp.$$" "$2"`);

async function fakeCompiler(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, body);
  await chmod(path, 0o755);
  return path;
}
const runs = async (log: string) => (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean).length;

const profile: Seccomp = { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }] };
const other: Seccomp = { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["write"], action: "SCMP_ACT_ALLOW" }] };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "berth-test-seccomp-compile-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("compiles on a miss, then serves the cache without running the compiler", async () => {
  const log = join(dir, "runs-1");
  const compiler = await fakeCompiler("c1", recording(log));
  const cacheDir = join(dir, "cache-1", "nested");
  const a = await compileSeccomp(profile, { cacheDir, compiler });
  assert.match(a, new RegExp(`^${cacheDir}/[0-9a-f]{64}\\.bpf$`));
  assert.equal(await readFile(a, "utf8"), "12345678");
  assert.equal(await compileSeccomp(profile, { cacheDir, compiler }), a);
  assert.equal(await runs(log), 1);
  const b = await compileSeccomp(other, { cacheDir, compiler });
  assert.notEqual(b, a);
  assert.equal(await runs(log), 2);
});

test("the compiler receives the flat profile on stdin", async () => {
  const log = join(dir, "runs-2");
  const compiler = await fakeCompiler("c2", script(`cat > "${log}.in"\nprintf 12345678 > "$2"`));
  await compileSeccomp(profile, { cacheDir: join(dir, "cache-2"), compiler });
  assert.equal(await readFile(`${log}.in`, "utf8"), "default\terrno\t1\nrule\tallow\t0\tread\n");
});

test("a rebuilt compiler invalidates the cache", async () => {
  const log = join(dir, "runs-3");
  const cacheDir = join(dir, "cache-3");
  const compiler = await fakeCompiler("c3", recording(log));
  const a = await compileSeccomp(profile, { cacheDir, compiler });
  await fakeCompiler("c3", recording(log) + "# rebuilt\n");
  const b = await compileSeccomp(profile, { cacheDir, compiler });
  assert.notEqual(a, b);
  assert.equal(await runs(log), 2);
});

test("concurrent compiles of one profile agree and leave no temp files", async () => {
  const log = join(dir, "runs-4");
  const cacheDir = join(dir, "cache-4");
  const compiler = await fakeCompiler("c4", recording(log));
  const paths = await Promise.all(Array.from({ length: 6 }, () => compileSeccomp(profile, { cacheDir, compiler })));
  assert.equal(new Set(paths).size, 1);
  assert.deepEqual(await readdir(cacheDir), [paths[0]!.slice(cacheDir.length + 1)]);
});

test("a refused profile is an InvalidArgument carrying the compiler's message, and caches nothing", async () => {
  const cacheDir = join(dir, "cache-5");
  const compiler = await fakeCompiler("c5", script(`cat >/dev/null\necho "berth-seccomp: profile: line 2: unknown tag \\"x\\"" >&2\nexit 1`));
  await assert.rejects(compileSeccomp(profile, { cacheDir, compiler }), (e: unknown) =>
    isEngineError(e, "InvalidArgument") && e.message === 'compile seccomp profile: berth-seccomp: profile: line 2: unknown tag "x"',
  );
  assert.deepEqual(await readdir(cacheDir), []);
});

test("a compiler that crashes or writes nothing is an internal error", async () => {
  const crash = await fakeCompiler("c6", script("kill -SEGV $$"));
  await assert.rejects(compileSeccomp(profile, { cacheDir: join(dir, "cache-6"), compiler: crash }), (e: unknown) => isEngineError(e, "Internal"));
  const silent = await fakeCompiler("c7", script("cat >/dev/null"));
  await assert.rejects(compileSeccomp(profile, { cacheDir: join(dir, "cache-7"), compiler: silent }), (e: unknown) =>
    isEngineError(e, "Internal") && /left no program/.test(e.message),
  );
});

test("a missing compiler is a FailedPrecondition naming it", async () => {
  const compiler = join(dir, "no-such-compiler");
  await assert.rejects(compileSeccomp(profile, { cacheDir: join(dir, "cache-8"), compiler }), (e: unknown) =>
    isEngineError(e, "FailedPrecondition") && e.message.includes(compiler),
  );
});

test("an invalid profile fails before any compiler runs", async () => {
  const log = join(dir, "runs-9");
  const compiler = await fakeCompiler("c9", recording(log));
  const bad = { defaultAction: "SCMP_ACT_NOPE" } as unknown as Seccomp;
  await assert.rejects(compileSeccomp(bad, { cacheDir: join(dir, "cache-9"), compiler }), (e: unknown) => isEngineError(e, "InvalidArgument"));
  assert.equal(await runs(log), 0);
});
