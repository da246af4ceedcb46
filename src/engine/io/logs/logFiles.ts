import { readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * The files of a rotated log, oldest first: `<path>.N` … `<path>.1`, then `<path>` (the shim
 * renames FILE to FILE.1 and so on when it rotates). Missing files are simply absent.
 */
export async function listLogFiles(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const rotated: number[] = [];
  let current = false;
  for (const n of names) {
    if (n === base) current = true;
    else if (n.startsWith(`${base}.`)) {
      const k = n.slice(base.length + 1);
      if (/^[1-9]\d{0,3}$/.test(k)) rotated.push(Number(k));
    }
  }
  rotated.sort((a, b) => b - a);
  const files = rotated.map((k) => join(dir, `${base}.${k}`));
  if (current) files.push(path);
  return files;
}
