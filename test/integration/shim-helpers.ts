// Helpers for the berth-shim integration tests: a busybox rootfs, hand-written plans, running
// the shim with a sync pipe, the control socket, and the "nothing left behind" checks.
// Self-contained on purpose: these tests drive native/build/berth-shim directly and must not
// depend on the TypeScript runtime.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { copyFile, chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";

export const SHIM = resolve("native/build/berth-shim");

/** Why a test of this family cannot run here, or undefined when it can. */
export function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (namespaces, mounts, cgroups)";
  if (!existsSync("/bin/busybox")) return "needs /bin/busybox (busybox-static)";
  if (!existsSync(SHIM)) {
    try {
      execFileSync("make", ["-C", "native", "build/berth-shim"], { stdio: "ignore" });
    } catch {
      return "native/build/berth-shim could not be built (make -C native)";
    }
  }
  return undefined;
}

const APPLETS = ["sh", "echo", "cat", "sleep", "id", "hostname", "ls", "grep", "mount", "touch", "mkdir", "stty", "tty", "head", "wc", "seq", "printf", "true", "false", "kill", "env", "readlink", "stat", "tr", "cut", "rm", "dd"];

export interface Sandbox {
  dir: string;
  rootfs: string;
  state: string;
  log: string;
  cleanup(): Promise<void>;
}

/** A temp dir holding a busybox rootfs and an empty state dir. */
export async function makeSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), "berth-test-shim-"));
  // Mapped root of a user namespace must be able to reach the rootfs.
  await chmod(dir, 0o755);
  const rootfs = join(dir, "rootfs");
  for (const d of ["bin", "proc", "sys", "dev", "tmp", "etc", "mnt"]) await mkdir(join(rootfs, d), { recursive: true });
  await copyFile("/bin/busybox", join(rootfs, "bin/busybox"));
  await chmod(join(rootfs, "bin/busybox"), 0o755);
  for (const a of APPLETS) await symlink("busybox", join(rootfs, "bin", a));
  await writeFile(join(rootfs, "etc/passwd"), "root:x:0:0:root:/:/bin/sh\n");
  const state = join(dir, "state");
  await mkdir(state);
  return {
    dir,
    rootfs,
    state,
    log: join(state, "log"),
    async cleanup() {
      killMentioning(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Escapes one field of the plan line format. */
export function esc(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t");
}

/** Plan text from records (each an array of fields; the tag first). */
export function planText(records: (string | number)[][]): string {
  return records.map((r) => r.map((f) => esc(String(f))).join("\t")).join("\n") + "\n";
}

const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8;
export const MS = { RDONLY: MS_RDONLY, NOSUID: MS_NOSUID, NODEV: MS_NODEV, NOEXEC: MS_NOEXEC, BIND: 4096, REC: 16384, PRIVATE: 1 << 18 };

/** The usual base of a container plan: new namespaces, /proc, a tmpfs /dev with null, a shell command. */
export function basePlan(sb: Sandbox, script: string, extra: (string | number)[][] = []): (string | number)[][] {
  return [
    ["version", 1],
    ["id", "berth-test"],
    ["rootfs", sb.rootfs],
    ["ns", "pid", ""],
    ["ns", "mnt", ""],
    ["ns", "uts", ""],
    ["ns", "ipc", ""],
    ["ns", "net", ""],
    ["hostname", "berth-test-host"],
    ["mount", "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, ""],
    ["mount", "/dev", "tmpfs", "tmpfs", MS_NOSUID, 0, "mode=755"],
    ["device", "/dev/null", "c", 1, 3, "0666", 0, 0],
    ["device", "/dev/zero", "c", 1, 5, "0666", 0, 0],
    ["symlink", "/proc/self/fd", "/dev/fd"],
    ["env", "PATH=/bin"],
    // Lets processesMentioning() find the container's processes after they exec.
    ["env", `BERTH_TEST_SANDBOX=${sb.dir}`],
    ...extra,
    ["arg", "/bin/sh"],
    ["arg", "-c"],
    ["arg", script],
  ];
}

export async function writePlan(sb: Sandbox, records: (string | number)[][], name = "plan"): Promise<string> {
  const p = join(sb.dir, name);
  await writeFile(p, planText(records));
  return p;
}

export interface Report {
  ok: boolean;
  line: string;
  pid?: number;
  shimPid?: number;
  stage?: string;
  errno?: number;
  message?: string;
  code: number | null;
}

export function parseReport(line: string, code: number | null): Report {
  const f = line.replace(/\n$/, "").split("\t");
  if (f[0] === "ok") return { ok: true, line, pid: Number(f[1]), shimPid: Number(f[2]), code };
  return { ok: false, line, stage: f[1], errno: Number(f[2]), message: f.slice(3).join("\t"), code };
}

async function readAll(r: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Runs `berth-shim <args>` with a sync pipe on fd 3; resolves when the caller-side process exits. */
export async function runShim(args: string[], opts: { stdin?: string } = {}): Promise<Report & { stdout: string; stderr: string }> {
  const child = spawn(SHIM, [...args, "--sync-fd", "3"], { stdio: [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe", "pipe"] });
  if (opts.stdin !== undefined) {
    child.stdin!.on("error", () => {}); // the shim may exit before reading it
    child.stdin!.end(opts.stdin);
  }
  const sync = readAll(child.stdio[3] as Readable);
  const out = readAll(child.stdout!);
  const err = readAll(child.stderr!);
  const code = await new Promise<number | null>((res) => child.on("close", (c) => res(c)));
  const report = parseReport(await sync, code);
  return { ...report, stdout: await out, stderr: await err };
}

export function createShim(sb: Sandbox, plan: string, extra: string[] = []) {
  return runShim(["create", "--state-dir", sb.state, "--plan", plan, "--log", sb.log, ...extra]);
}

/** One command on ctl.sock, one answer line. */
export async function ctl(sb: Sandbox, line: string, state = sb.state): Promise<string> {
  const s = await ctlConnect(state);
  try {
    s.write(line + "\n");
    return await readLine(s);
  } finally {
    s.destroy();
  }
}

export function ctlConnect(state: string): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = connect(join(state, "ctl.sock"));
    s.once("connect", () => res(s));
    s.once("error", rej);
  });
}

/** Reads one line from a socket, leaving the rest unread (re-emitted with unshift). */
export function readLine(s: Socket): Promise<string> {
  return new Promise((res, rej) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const i = buf.indexOf(10);
      if (i < 0) return;
      s.off("data", onData);
      s.off("end", onEnd);
      s.pause();
      const rest = buf.subarray(i + 1);
      if (rest.length) s.unshift(rest);
      res(buf.subarray(0, i).toString("utf8"));
    };
    const onEnd = () => rej(new Error(`connection closed before a line (got ${JSON.stringify(buf.toString())})`));
    s.on("data", onData);
    s.once("end", onEnd);
    s.once("error", rej);
    s.resume();
  });
}

/** Everything a socket sends until the peer closes it. */
export function readToEnd(s: Socket): Promise<Buffer> {
  return new Promise((res, rej) => {
    const chunks: Buffer[] = [];
    s.on("data", (d: Buffer) => chunks.push(d));
    s.once("end", () => res(Buffer.concat(chunks)));
    s.once("error", rej);
    s.resume();
  });
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

export interface ExitRecord { kind: "exited" | "signaled"; value: number; timeNs: bigint }

export async function waitExit(state: string): Promise<ExitRecord> {
  const text = await waitFor("the exit record", () => {
    try {
      return readFileSync(join(state, "exit"), "utf8");
    } catch {
      return undefined;
    }
  });
  const m = /^(exited|signaled)\t(\d+)\t(\d+)\n$/.exec(text);
  if (!m) throw new Error(`bad exit record ${JSON.stringify(text)}`);
  return { kind: m[1] as ExitRecord["kind"], value: Number(m[2]), timeNs: BigInt(m[3]) };
}

/** Is the process alive (a zombie counts as dead: PID 1 here reaps late)? */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

export async function waitGone(pid: number): Promise<void> {
  await waitFor(`process ${pid} to end`, () => !alive(pid));
}

export interface LogRecord { time: string; stream: "stdout" | "stderr"; tag: "F" | "P"; text: string }

const CRI = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) ([FP]) (.*)$/s;

export function parseLog(text: string): LogRecord[] {
  if (text === "") return [];
  if (!text.endsWith("\n")) throw new Error("log does not end with a newline");
  return text.slice(0, -1).split("\n").map((l) => {
    const m = CRI.exec(l);
    if (!m) throw new Error(`not a CRI log line: ${JSON.stringify(l)}`);
    return { time: m[1], stream: m[2] as LogRecord["stream"], tag: m[3] as LogRecord["tag"], text: m[4] };
  });
}

/** Joins P records into lines, per stream: what `docker logs` would show. */
export function logLines(records: LogRecord[], stream: "stdout" | "stderr" = "stdout"): string[] {
  const out: string[] = [];
  let cur = "";
  for (const r of records) {
    if (r.stream !== stream) continue;
    cur += r.text;
    if (r.tag === "F") { out.push(cur); cur = ""; }
  }
  if (cur) out.push(cur);
  return out;
}

export async function readLog(path: string): Promise<LogRecord[]> {
  return parseLog(await readFile(path, "utf8"));
}

/** Live processes whose command line or environment mentions the text (our temp dir). */
export function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8");
      let env = "";
      try { env = readFileSync(`/proc/${name}/environ`, "utf8"); } catch { /* kernel thread or gone */ }
      if ((cmd.includes(text) || env.includes(text)) && alive(Number(name))) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

export function killMentioning(text: string): void {
  for (const pid of processesMentioning(text)) {
    try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  }
}

export function hostMountsMentioning(text: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(text));
}

/** Asserts nothing of the sandbox survives: no process, no mount. */
export async function assertNothingLeft(sb: Sandbox): Promise<void> {
  await waitFor("no process left", () => processesMentioning(sb.dir).length === 0, 5000).catch(() => {
    throw new Error(`processes left behind: ${processesMentioning(sb.dir).join(", ")}`);
  });
  const mounts = hostMountsMentioning(sb.dir);
  if (mounts.length) throw new Error(`mounts left behind: ${mounts.join("; ")}`);
}

/** The state dir's file names. */
export function stateFiles(sb: Sandbox): string[] {
  return readdirSync(sb.state).sort();
}

/** create, then start; returns the report. */
export async function createAndStart(sb: Sandbox, plan: string, extra: string[] = []): Promise<Report> {
  const r = await createShim(sb, plan, extra);
  if (!r.ok) throw new Error(`create failed: ${r.line}`);
  const a = await ctl(sb, "start");
  if (a !== "ok") throw new Error(`start failed: ${a}`);
  return r;
}
