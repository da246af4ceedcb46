import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { EngineError, internal } from "../../errors/EngineError.js";

/**
 * The filesystem calls node does not offer — lsetxattr, llistxattr/lgetxattr and mknod — made by
 * one long-lived helper process per unpack or diff, so a layer with thousands of whiteouts costs
 * one process, not thousands. The helper is a few lines of Perl calling syscall(2) directly
 * (perl-base is Essential on Debian, so it is always there); requests and answers are lines of
 * hex-encoded fields, so no path or value can break the framing.
 *
 * All paths must already be checked by the caller to lie inside the tree being written: the
 * helper calls the l* variants (never following a final symlink) but resolves parents as given.
 */
const SYSCALLS: Record<string, { lsetxattr: number; lgetxattr: number; llistxattr: number; mknodat: number }> = {
  x64: { lsetxattr: 189, lgetxattr: 192, llistxattr: 195, mknodat: 259 },
  arm64: { lsetxattr: 6, lgetxattr: 9, llistxattr: 12, mknodat: 33 },
  riscv64: { lsetxattr: 6, lgetxattr: 9, llistxattr: 12, mknodat: 33 },
};

const SCRIPT = String.raw`
use strict; use warnings;
my ($SETX, $GETX, $LISTX, $MKNODAT) = @ARGV;
$| = 1;
while (defined(my $line = <STDIN>)) {
  chomp $line;
  my ($op, @f) = split /\t/, $line, -1;
  @f = map { my $s = pack("H*", $_); "$s" } @f;
  if ($op eq "setx") {
    my ($p, $n, $v) = @f;
    my $r = syscall($SETX, $p, $n, $v, length($v), 0);
    print $r == 0 ? "ok\n" : "err\t" . ($! + 0) . "\n";
  } elsif ($op eq "list") {
    my $p = $f[0];
    my $buf = "\0" x 65536;
    my $r = syscall($LISTX, $p, $buf, 65536);
    if ($r < 0) { print "err\t" . ($! + 0) . "\n"; next; }
    my @out;
    for my $n (grep { length } split(/\0/, substr($buf, 0, $r))) {
      my $v = "\0" x 65536;
      my $l = syscall($GETX, $p, $n, $v, 65536);
      next if $l < 0;
      push @out, unpack("H*", $n) . "=" . unpack("H*", substr($v, 0, $l));
    }
    print join("\t", "ok", @out) . "\n";
  } elsif ($op eq "mknod") {
    my ($p, $mode, $dev) = @f;
    my $r = syscall($MKNODAT, -100, $p, $mode + 0, $dev + 0);
    print $r == 0 ? "ok\n" : "err\t" . ($! + 0) . "\n";
  } else {
    print "err\t22\n";
  }
}
`;

const ERRNO_NAMES: Record<number, string> = { 1: "EPERM", 2: "ENOENT", 13: "EACCES", 17: "EEXIST", 20: "ENOTDIR", 22: "EINVAL", 28: "ENOSPC", 61: "ENODATA", 95: "EOPNOTSUPP" };

export class FsCallError extends Error {
  constructor(readonly op: string, readonly path: string, readonly errno: number) {
    super(`${op} ${path}: ${ERRNO_NAMES[errno] ?? `errno ${errno}`}`);
    this.name = "FsCallError";
  }
  get code(): string {
    return ERRNO_NAMES[this.errno] ?? `E${this.errno}`;
  }
}

/** Linux makedev(3). */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return (mi & 0xffn) | ((ma & 0xfffn) << 8n) | ((mi & ~0xffn) << 12n) | ((ma & ~0xfffn) << 32n);
}

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

const hex = (s: string | Buffer) => Buffer.from(s).toString("hex");

export class FsHelper {
  private buffered = "";
  private waiting: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];
  private exited: Error | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.setEncoding("utf8");
    proc.stdout.on("data", (d: string) => {
      this.buffered += d;
      let nl: number;
      while ((nl = this.buffered.indexOf("\n")) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.waiting.shift()?.resolve(line);
      }
    });
    let stderr = "";
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const fail = (why: string) => {
      this.exited = internal(`fs helper: ${why}${stderr ? `: ${stderr.trim()}` : ""}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    };
    proc.on("error", (e) => fail(e.message));
    proc.on("exit", (code, sig) => fail(`exited (${sig ?? code})`));
    proc.stdin.on("error", () => {});
  }

  static start(): FsHelper {
    const nums = SYSCALLS[process.arch];
    if (!nums) throw new EngineError("NotImplemented", `fs helper: no syscall table for architecture ${process.arch}`);
    const proc = spawn("perl", ["-e", SCRIPT, String(nums.lsetxattr), String(nums.lgetxattr), String(nums.llistxattr), String(nums.mknodat)], { stdio: ["pipe", "pipe", "pipe"] });
    return new FsHelper(proc);
  }

  private request(fields: string[]): Promise<string[]> {
    const next = this.chain.then(
      () =>
        new Promise<string>((resolve, reject) => {
          if (this.exited) return reject(this.exited);
          this.waiting.push({ resolve, reject });
          this.proc.stdin.write(fields.join("\t") + "\n");
        }),
    );
    this.chain = next.catch(() => {});
    return next.then((line) => line.split("\t"));
  }

  async lsetxattr(path: string, name: string, value: Buffer): Promise<void> {
    const [st, errno] = await this.request(["setx", hex(path), hex(name), hex(value)]);
    if (st !== "ok") throw new FsCallError(`lsetxattr ${name}`, path, Number(errno));
  }

  /** All extended attributes of `path` (not following a final symlink). */
  async lgetxattrs(path: string): Promise<Map<string, Buffer>> {
    const [st, ...rest] = await this.request(["list", hex(path)]);
    if (st !== "ok") throw new FsCallError("llistxattr", path, Number(rest[0]));
    const out = new Map<string, Buffer>();
    for (const kv of rest) {
      const [k, v] = kv.split("=") as [string, string];
      out.set(Buffer.from(k, "hex").toString("utf8"), Buffer.from(v ?? "", "hex"));
    }
    return out;
  }

  /** mknod(2): `mode` includes the file type bits (S_IFCHR, S_IFBLK, S_IFIFO). */
  async mknod(path: string, mode: number, major = 0, minor = 0): Promise<void> {
    const [st, errno] = await this.request(["mknod", hex(path), hex(String(mode)), hex(makedev(major, minor).toString())]);
    if (st !== "ok") throw new FsCallError("mknod", path, Number(errno));
  }

  /** Ends the helper and waits for it to exit. */
  async close(): Promise<void> {
    if (this.exited) return;
    await new Promise<void>((resolve) => {
      this.proc.once("exit", () => resolve());
      this.proc.stdin.end();
    });
  }
}

/** A helper started on first use, so layers without special files never spawn one. */
export class LazyFsHelper {
  private helper: FsHelper | undefined;
  get(): FsHelper {
    this.helper ??= FsHelper.start();
    return this.helper;
  }
  async close(): Promise<void> {
    await this.helper?.close();
    this.helper = undefined;
  }
}
