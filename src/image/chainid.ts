import { createHash } from "node:crypto";
import { invalidArgument } from "../errors/EngineError.js";
import type { Digest } from "../oci/image.js";
import { parseDigest } from "./digest.js";

/**
 * ChainIDs per the image spec (config.md "Layer ChainID"): ChainID(L0) = DiffID(L0) and
 * ChainID(L0|...|Ln) = sha256(ChainID(L0|...|Ln-1) + " " + DiffID(Ln)). A snapshot keyed by a
 * ChainID holds exactly the filesystem of that layer stack, so images sharing a prefix of layers
 * share the snapshots.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const [i, diffId] of diffIds.entries()) {
    try {
      parseDigest(diffId);
    } catch (e) {
      throw invalidArgument(`compute chain id: diff_ids[${i}]: ${(e as Error).message}`);
    }
    if (i === 0) out.push(diffId);
    else out.push(`sha256:${createHash("sha256").update(`${out[i - 1]} ${diffId}`).digest("hex")}`);
  }
  return out;
}

/** The ChainID of the whole stack (the top snapshot); undefined for an image with no layers. */
export function chainId(diffIds: readonly Digest[]): Digest | undefined {
  const ids = chainIds(diffIds);
  return ids[ids.length - 1];
}
