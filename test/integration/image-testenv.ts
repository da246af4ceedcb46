import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImageService } from "../../src/image/ImageService.js";
import { openTestDatabase } from "../../src/image/metadata/testDatabase.js";

/**
 * A throwaway image data root for root integration tests: a temp dir, a SQLite file inside it,
 * an ImageService on top. `close` checks that no mount under the root was left behind, then
 * removes everything.
 */
export interface ImageTestEnv {
  root: string;
  service: ImageService;
  close(): Promise<void>;
}

export const isRoot = process.getuid?.() === 0;
export const skipUnlessRoot = isRoot ? false : "needs root (overlay mounts, mknod, trusted.* xattrs)";

export async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile("/proc/self/mountinfo", "utf8");
  return info
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((mp): mp is string => mp !== undefined && (mp === dir || mp.startsWith(`${dir}/`)));
}

export async function openImageTestEnv(name = "image", rootSuffix = ""): Promise<ImageTestEnv> {
  const base = await mkdtemp(join(tmpdir(), `berth-test-${name}-`));
  const root = rootSuffix ? join(base, rootSuffix) : base;
  const db = openTestDatabase(join(base, "berth.db"));
  let service: ImageService;
  try {
    service = await ImageService.open({ root, db });
  } catch (e) {
    db.close();
    await rm(base, { recursive: true, force: true });
    throw e;
  }
  return {
    root,
    service,
    async close() {
      const left = await mountsUnder(base);
      db.close();
      if (left.length > 0) {
        // Never rm -rf through a live mount; report instead.
        throw new Error(`test env: mounts left under ${base}: ${left.join(", ")}`);
      }
      await rm(base, { recursive: true, force: true });
    },
  };
}
