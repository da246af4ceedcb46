// Docker's default profile, compiled by the real berth-seccomp and loaded by the kernel: what a
// container must not do fails with EPERM, what ordinary programs do still works.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileSeccomp } from "../../src/runtime/seccomp/compile.js";
import { defaultSeccompProfile } from "../../src/runtime/seccomp/defaultProfile.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const compiler = join(repo, "native/build/berth-seccomp");
const seccompExec = join(repo, "native/build/tests/seccomp_exec");
const busybox = "/bin/busybox";

const skip =
  process.getuid?.() !== 0
    ? "needs root: the baseline calls (mount, clone with CLONE_NEWNS) need CAP_SYS_ADMIN"
    : !existsSync(compiler) || !existsSync(seccompExec)
      ? "native programs not built (run make -C native)"
      : !existsSync(busybox)
        ? "needs /bin/busybox (Debian busybox-static)"
        : false;

let cacheDir: string;
let defaultBpf: string;
let sysAdminBpf: string;

function run(args: string[]) {
  const r = spawnSync(seccompExec, args, { encoding: "utf8", timeout: 20_000 });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Calls each syscall under the program (or none: "-") and returns name → "ok" or the errno. */
function trySyscalls(bpf: string, names: string[]): Record<string, string | number> {
  const r = run(["--try-syscall", names.join(","), bpf]);
  assert.equal(r.code, 0, r.stderr);
  const out: Record<string, string | number> = {};
  for (const line of r.stdout.trim().split("\n")) {
    const [name, result, errno] = line.split("\t");
    out[name!] = result === "ok" ? "ok" : Number(errno);
  }
  return out;
}

const EPERM = 1;
const ENOSYS = 38;

before(async () => {
  if (skip) return;
  cacheDir = await mkdtemp(join(tmpdir(), "berth-test-seccomp-default-"));
  const arch = "x86_64";
  defaultBpf = await compileSeccomp(defaultSeccompProfile({ arch }), { cacheDir, compiler });
  sysAdminBpf = await compileSeccomp(defaultSeccompProfile({ arch, capabilities: ["CAP_SYS_ADMIN", "CAP_SYS_CHROOT"] }), { cacheDir, compiler });
});

after(async () => {
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

const DENIED = [
  "unshare", "setns", "mount", "umount2", "keyctl", "add_key", "request_key", "bpf", "kexec_load",
  "open_by_handle_at", "init_module", "finit_module", "reboot", "swapon", "clone_newuser", "clone_newns",
  "personality_addr_no_randomize", "socket_vsock", "io_uring_setup",
];
const ALLOWED = ["getpid", "clone", "chroot", "socket_inet", "socket_unix", "personality_query"];
const ENOENT = 2;

test("the default profile refuses namespace, mount, key, module and reboot syscalls with EPERM", { skip }, () => {
  const got = trySyscalls(defaultBpf, [...DENIED, ...ALLOWED, "clone3", "ptrace", "fchmodat2"]);
  for (const n of DENIED) assert.equal(got[n], EPERM, `${n} must be refused`);
  for (const n of ALLOWED) assert.equal(got[n], "ok", `${n} must work`);
  assert.equal(got.clone3, ENOSYS, "clone3 answers ENOSYS so libc falls back to clone");
  assert.notEqual(got.ptrace, EPERM, "ptrace is allowed, as in Docker on kernels >= 4.8");
  assert.equal(got.fchmodat2, ENOENT, "fchmodat2 (Linux 6.6) is allowed, as in Docker 26+");
});

test("without the filter the same calls are not refused, so the filter is what refuses them", { skip }, () => {
  const got = trySyscalls("-", ["unshare", "mount", "keyctl", "clone_newuser", "clone_newns", "clone3", "setns", "bpf", "swapon", "io_uring_setup"]);
  for (const [n, r] of Object.entries(got)) assert.notEqual(r, EPERM, `${n} baseline`);
});

test("syscalls newer than the profile answer ENOSYS so libc falls back (runc's prologue)", { skip }, async () => {
  // open_tree_attr (Linux 6.15) is newer than every syscall the default profile names.
  const baseline = trySyscalls("-", ["open_tree_attr"]);
  assert.ok(baseline.open_tree_attr !== ENOSYS && baseline.open_tree_attr !== EPERM, `kernel has open_tree_attr: ${baseline.open_tree_attr}`);
  assert.deepEqual(trySyscalls(defaultBpf, ["open_tree_attr", "nr_1000", "keyctl"]), { open_tree_attr: ENOSYS, nr_1000: ENOSYS, keyctl: EPERM });
  // As in runc, the prologue covers the architectures the profile lists; none listed, none added.
  const bare = await compileSeccomp({ ...defaultSeccompProfile({ arch: "x86_64" }), architectures: [] }, { cacheDir, compiler });
  assert.deepEqual(trySyscalls(bare, ["open_tree_attr", "keyctl"]), { open_tree_attr: EPERM, keyctl: EPERM });
});

test("ordinary programs run unaffected", { skip }, () => {
  const r = run([defaultBpf, busybox, "sh", "-c", "echo hi; ls / >/dev/null; cat /proc/self/status; date >/dev/null; sleep 0; id -u"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^hi\n/);
  assert.match(r.stdout, /^Seccomp:\s+2$/m, "the filter is really installed");
  assert.match(r.stdout, /^NoNewPrivs:\s+1$/m);
  assert.match(r.stdout, /^0\n$/m);
});

test("busybox unshare and mount fail with Operation not permitted", { skip }, () => {
  for (const args of [["unshare", "-U", "true"], ["unshare", "-m", "true"]]) {
    const r = run([defaultBpf, busybox, ...args]);
    assert.notEqual(r.code, 0, `${args.join(" ")} must fail`);
    assert.match(r.stderr, /Operation not permitted/);
  }
  const m = run([defaultBpf, busybox, "mount", "-t", "tmpfs", "berth-test", "/nonexistent-berth-test"]);
  assert.notEqual(m.code, 0);
  // Without the filter this fails with "No such file or directory": the kernel never sees the path.
  assert.match(m.stderr, /permission denied|Operation not permitted/);
});

test("CAP_SYS_ADMIN unlocks namespaces and mounts, as in Docker", { skip }, () => {
  const got = trySyscalls(sysAdminBpf, ["unshare", "mount", "clone_newuser", "clone_newns", "clone3", "keyctl"]);
  assert.equal(got.unshare, "ok");
  assert.equal(got.mount, 2 /* ENOENT: reached the kernel */);
  assert.equal(got.clone_newuser, "ok");
  assert.equal(got.clone_newns, "ok");
  assert.notEqual(got.clone3, ENOSYS);
  assert.equal(got.keyctl, EPERM, "keyrings stay denied whatever the capabilities");
  const r = run([sysAdminBpf, busybox, "unshare", "-U", "true"]);
  assert.equal(r.code, 0, r.stderr);
});

test("the compiled default profile fits the kernel's program limit", { skip }, async () => {
  const size = (await stat(defaultBpf)).size;
  assert.equal(size % 8, 0);
  assert.ok(size / 8 <= 4096, `${size / 8} instructions`);
});

test("the default profile also compiles for aarch64", { skip }, async () => {
  const bpf = await compileSeccomp(defaultSeccompProfile({ arch: "aarch64" }), { cacheDir, compiler });
  assert.notEqual(bpf, defaultBpf);
  assert.ok((await stat(bpf)).size > 0);
});
