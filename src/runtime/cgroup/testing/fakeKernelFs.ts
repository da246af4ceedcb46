import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { nodeCgroupFs, type CgroupFs } from "../cgroupFs.js";

/**
 * Test double for cgroupfs on a temp directory (youki's habit: the code under test sees real
 * files). It records every write, creates control files when a directory is made (as the
 * kernel does) and lets a fixture emulate the kernel's answer to a write: reject it with an
 * errno, or store something other than the bytes written (subtree_control accumulates).
 */
export interface Write {
  /** Path relative to the fixture root, e.g. "sys/fs/cgroup/memory/a/memory.limit_in_bytes". */
  path: string;
  data: string;
}

export interface KernelRules {
  /** Control files (name → initial content) the kernel creates in a new directory. */
  onMkdir(dir: string): Promise<Record<string, string>> | Record<string, string>;
  /** errno code to fail the write with, or the content to store instead of `data`. */
  onWrite?(path: string, data: string, fs: FakeKernelFs): Promise<{ error?: string; content?: string } | void>;
  /** errno code to refuse a rename with (cgroup2 refuses every rename: EPERM). */
  onRename?(from: string, to: string): string | undefined;
}

export function errnoError(code: string, path: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: fake kernel refused write, '${path}'`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

export class FakeKernelFs implements CgroupFs {
  readonly writes: Write[] = [];

  constructor(readonly root: string, private readonly rules: KernelRules) {}

  rel(path: string): string {
    return relative(this.root, path);
  }

  /** Writes recorded under `dirPrefix` (relative), with paths relative to it. */
  writesUnder(dirPrefix: string): [string, string][] {
    return this.writes.filter((w) => w.path.startsWith(dirPrefix + "/")).map((w) => [w.path.slice(dirPrefix.length + 1), w.data]);
  }

  readFile(path: string): Promise<string> {
    return nodeCgroupFs.readFile(path);
  }

  async writeFile(path: string, data: string): Promise<void> {
    this.writes.push({ path: this.rel(path), data });
    // Missing files fail as on cgroupfs (ENOENT), before any emulation.
    if (!(await nodeCgroupFs.exists(path))) return nodeCgroupFs.writeFile(path, data);
    const verdict = await this.rules.onWrite?.(path, data, this);
    if (verdict && verdict.error) throw errnoError(verdict.error, path);
    await nodeCgroupFs.writeFile(path, verdict && verdict.content !== undefined ? verdict.content : data);
  }

  async mkdir(path: string): Promise<void> {
    await nodeCgroupFs.mkdir(path);
    const files = await this.rules.onMkdir(path);
    for (const [name, content] of Object.entries(files)) await writeFile(join(path, name), content);
  }

  rmdir(path: string): Promise<void> {
    // cgroupfs rmdir ignores the control files; a temp dir needs them gone first.
    return (async () => {
      if (!(await nodeCgroupFs.exists(path))) return nodeCgroupFs.rmdir(path);
      if ((await nodeCgroupFs.subdirs(path)).length > 0) throw errnoError("EBUSY", path);
      const procs = await nodeCgroupFs.readFile(join(path, "cgroup.procs")).catch(() => "");
      if (procs.trim() !== "") throw errnoError("EBUSY", path);
      await rm(path, { recursive: true });
    })();
  }

  subdirs(path: string): Promise<string[]> {
    return nodeCgroupFs.subdirs(path);
  }

  async rename(from: string, to: string): Promise<void> {
    const refused = this.rules.onRename?.(from, to);
    if (refused) throw errnoError(refused, from);
    // cgroupfs (kernfs) refuses an existing target; a temp dir would replace an empty one.
    if (await nodeCgroupFs.exists(to)) throw errnoError("EEXIST", to);
    return nodeCgroupFs.rename!(from, to);
  }

  exists(path: string): Promise<boolean> {
    return nodeCgroupFs.exists(path);
  }

  /** Sets a file's content directly (a fixture playing the kernel: usage counters, stats). */
  async set(path: string, content: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

export async function makeTempRoot(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "berth-test-cgroup-"));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}
