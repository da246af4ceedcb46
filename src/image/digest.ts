import { createHash, type Hash } from "node:crypto";
import { invalidArgument } from "../errors/EngineError.js";
import type { Digest } from "../oci/image.js";

/**
 * Digest strings per the image spec, restricted to what berth can verify: `sha256:` with 64 and
 * `sha512:` with 128 lower-case hex digits. Checked once at the entry, after which the hex part
 * is safe as a path component.
 */
export type DigestAlgorithm = "sha256" | "sha512";

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

export function parseDigest(digest: string): ParsedDigest {
  if (typeof digest !== "string") throw invalidArgument(`parse digest: not a string: ${JSON.stringify(digest)}`);
  const colon = digest.indexOf(":");
  if (colon <= 0) throw invalidArgument(`parse digest: invalid digest format ${JSON.stringify(digest)} (expected algorithm:hex)`);
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (algorithm !== "sha256" && algorithm !== "sha512") {
    throw invalidArgument(`parse digest: unsupported digest algorithm ${JSON.stringify(algorithm)} in ${JSON.stringify(digest)}`);
  }
  const want = HEX_LENGTH[algorithm];
  if (hex.length !== want || !/^[0-9a-f]+$/.test(hex)) {
    throw invalidArgument(`parse digest: invalid ${algorithm} digest ${JSON.stringify(digest)} (want ${want} lower-case hex digits)`);
  }
  return { algorithm, hex };
}

export function isValidDigest(digest: string): boolean {
  try {
    parseDigest(digest);
    return true;
  } catch {
    return false;
  }
}

/** Validates and returns the digest unchanged (for use in expressions). */
export function validateDigest(digest: string): Digest {
  parseDigest(digest);
  return digest;
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** An incremental digester for streams (content ingest, layer diff ids). */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  private readonly hash: Hash;
  size = 0;

  constructor(algorithm: DigestAlgorithm = "sha256") {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.length;
  }

  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest("hex")}`;
  }
}
