import { invalidArgument } from "../errors/EngineError.js";
import type { ImageConfig } from "../oci/image.js";
import { parseDigest } from "./digest.js";

/**
 * Parses an image configuration blob and checks what berth relies on: os/architecture strings
 * and rootfs.diff_ids (type "layers", valid digests, one per non-empty layer of the manifest).
 */
export function parseImageConfig(bytes: Buffer | string): ImageConfig {
  let v: unknown;
  try {
    v = JSON.parse(typeof bytes === "string" ? bytes : bytes.toString("utf8"));
  } catch (e) {
    throw invalidArgument(`parse image config: invalid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw invalidArgument("parse image config: not a JSON object");
  const c = v as ImageConfig;
  if (typeof c.os !== "string" || c.os === "") throw invalidArgument("parse image config: os is missing");
  if (typeof c.architecture !== "string" || c.architecture === "") throw invalidArgument("parse image config: architecture is missing");
  if (!c.rootfs || typeof c.rootfs !== "object") throw invalidArgument("parse image config: rootfs is missing");
  if (c.rootfs.type !== "layers") throw invalidArgument(`parse image config: rootfs.type must be "layers", got ${JSON.stringify(c.rootfs.type)}`);
  if (!Array.isArray(c.rootfs.diff_ids)) throw invalidArgument("parse image config: rootfs.diff_ids must be an array");
  c.rootfs.diff_ids.forEach((d, i) => {
    try {
      parseDigest(d);
    } catch (e) {
      throw invalidArgument(`parse image config: rootfs.diff_ids[${i}]: ${(e as Error).message}`);
    }
  });
  if (c.config !== undefined && (c.config === null || typeof c.config !== "object")) {
    // Docker writes "config": null for scratch-like images; treat as absent.
    delete c.config;
  }
  return c;
}
