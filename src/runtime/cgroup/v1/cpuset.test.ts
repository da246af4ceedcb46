import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { CgroupFs } from "../cgroupFs.js";
import { initCpusetV1 } from "./cpuset.js";

/** Control files in a map; every read and write recorded. */
function memoryFs(files: Record<string, string>) {
  const reads: string[] = [];
  const writes: [string, string][] = [];
  const fs: CgroupFs = {
    readFile: async (p) => {
      reads.push(p);
      if (!(p in files)) throw Object.assign(new Error(`ENOENT ${p}`), { code: "ENOENT" });
      return files[p]!;
    },
    writeFile: async (p, d) => {
      writes.push([p, d]);
      files[p] = d;
    },
    mkdir: async () => {},
    rmdir: async () => {},
    subdirs: async () => [],
    exists: async (p) => p in files,
  };
  return { fs, reads, writes };
}

test("v1 cpuset init: an existing level keeps its values; an empty one gets the parent's", async () => {
  const m = memoryFs({ "/r/cpuset.cpus": "0-3\n", "/r/cpuset.mems": "0\n", "/r/a/cpuset.cpus": "1\n", "/r/a/cpuset.mems": "\n" });
  assert.deepEqual(await initCpusetV1(m.fs, "/r/a", "/r"), { cpus: "1", mems: "0" });
  assert.deepEqual(m.writes, [["/r/a/cpuset.mems", "0"]]);
});

test("v1 cpuset init: a level just made is written without reading it, from the values its parent's init returned", async () => {
  const m = memoryFs({ "/r/cpuset.cpus": "0-3\n", "/r/cpuset.mems": "0\n", "/r/a/cpuset.cpus": "\n", "/r/a/cpuset.mems": "\n", "/r/a/b/cpuset.cpus": "\n", "/r/a/b/cpuset.mems": "\n" });
  const a = await initCpusetV1(m.fs, "/r/a", "/r", true);
  assert.deepEqual(m.reads, ["/r/cpuset.cpus", "/r/cpuset.mems"], "only the root's values are read");
  const b = await initCpusetV1(m.fs, "/r/a/b", "/r/a", true, a);
  assert.deepEqual(b, { cpus: "0-3", mems: "0" });
  assert.deepEqual(m.reads, ["/r/cpuset.cpus", "/r/cpuset.mems"], "nothing read for the second level");
  assert.deepEqual(m.writes, [["/r/a/cpuset.cpus", "0-3"], ["/r/a/cpuset.mems", "0"], ["/r/a/b/cpuset.cpus", "0-3"], ["/r/a/b/cpuset.mems", "0"]]);
});
