import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { Spec } from "../oci/runtime.js";
import { validateSpec } from "../oci/validate.js";
import { invalidArgument, notFound } from "../errors/EngineError.js";

/** Reads and validates BUNDLE/config.json; checks that the rootfs is a directory. */
export async function readBundle(bundleArg: string): Promise<{ bundle: string; spec: Spec; rootfs: string }> {
  const bundle = resolve(bundleArg);
  const file = join(bundle, "config.json");
  let text: string;
  try {
    // Synchronous, like the other small state reads of the hot path (see containerStore.ts).
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw notFound(`read bundle: ${file} does not exist`);
    throw invalidArgument(`read bundle: ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalidArgument(`read bundle: ${file}: invalid JSON: ${(e as Error).message}`);
  }
  const spec = validateSpec(json);
  const rootfs = isAbsolute(spec.root!.path) ? spec.root!.path : join(bundle, spec.root!.path);
  let st: ReturnType<typeof statSync> | null = null;
  try {
    st = statSync(rootfs);
  } catch {
    st = null;
  }
  if (!st || !st.isDirectory()) throw notFound(`read bundle: root.path: rootfs ${rootfs} does not exist or is not a directory`);
  return { bundle, spec, rootfs };
}
