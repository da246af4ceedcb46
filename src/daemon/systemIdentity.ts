/**
 * The daemon's persistent identity (`docker info` ID): a UUID created on first start and kept in
 * `<dataRoot>/engine-id`, as moby keeps its engine-id file, so it survives restarts and
 * upgrades and differs between data roots.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { atomicWrite } from "../util/atomicWrite.js";
import { wrapError } from "../errors/EngineError.js";

export const ENGINE_ID_FILE = "engine-id";

export async function loadOrCreateEngineId(dataRoot: string): Promise<string> {
  const path = join(dataRoot, ENGINE_ID_FILE);
  try {
    const text = (await readFile(path, "utf8")).trim();
    if (/^[0-9a-f-]{36}$/.test(text)) return text;
    // An unreadable id is replaced rather than served: Docker clients only need it stable from now on.
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw wrapError(e, `read engine id ${path}`);
  }
  const id = randomUUID();
  await atomicWrite(path, id + "\n", 0o600);
  return id;
}
