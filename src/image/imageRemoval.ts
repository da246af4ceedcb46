import { conflict } from "../errors/EngineError.js";
import { collectGarbage } from "./gc.js";
import type { ImageService } from "./ImageService.js";
import type { ImageRecord } from "./metadata/ImageRecords.js";
import { familiarString, formatReference, normalizeReference, parseReference } from "./reference.js";

/**
 * `docker rmi` semantics, with Docker's messages:
 * - by name: the name is untagged; when no other tag is left, the image's digest names go too
 *   and the image is deleted (unless a container uses it: refused, or with force only
 *   untagged, the image staying dangling for its container);
 * - by ID: all names are untagged and the image deleted; several tags need force; a used image
 *   needs force and then stays (dangling) until its container is gone.
 * After a deletion, garbage collection frees the blobs and layer snapshots nothing else uses.
 * The caller holds the service lock exclusively.
 */
export interface RemoveImageOptions {
  force?: boolean;
  /** Skip garbage collection (blobs and snapshots stay until the next prune). */
  noPrune?: boolean;
}

export type ImageDeleteItem = { Untagged: string } | { Deleted: string };

const familiar = (name: string) => familiarString(parseReference(name));
const isDigestName = (name: string) => parseReference(name).digest !== undefined;

function isIdInput(service: ImageService, input: string, rec: ImageRecord): boolean {
  if (input.startsWith("sha256:")) return true;
  if (!/^[0-9a-f]+$/.test(input)) return false;
  // A hex string that is also a name (`docker tag x abc`) is the name, as in Docker.
  try {
    return service.records.byName(formatReference(normalizeReference(input)))?.id !== rec.id;
  } catch {
    return true;
  }
}

function nameFor(input: string, rec: ImageRecord): string {
  const ref = normalizeReference(input);
  const full = formatReference(ref);
  if (rec.names.includes(full)) return full;
  // name@digest that resolved through the manifest digest: the digest name, if recorded.
  return rec.names.find((n) => ref.digest !== undefined && parseReference(n).digest === ref.digest) ?? full;
}

export async function removeImage(service: ImageService, input: string, opts: RemoveImageOptions): Promise<ImageDeleteItem[]> {
  const rec = service.resolve(input);
  const users = service.records.users(rec.id);
  const short = rec.id.slice(7, 19);
  const out: ImageDeleteItem[] = [];
  const untag = (n: string) => {
    service.records.removeName(n);
    out.push({ Untagged: familiar(n) });
  };
  if (!isIdInput(service, input, rec)) {
    const name = nameFor(input, rec);
    const others = rec.names.filter((n) => n !== name);
    if (others.some((n) => !isDigestName(n))) {
      untag(name);
      return out;
    }
    if (users.length > 0 && !opts.force) {
      throw conflict(`conflict: unable to remove repository reference "${input}" (must force) - container ${users[0]!.containerId.slice(0, 12)} is using its referenced image ${short}`);
    }
    untag(name);
    if (users.length > 0) return out;
    for (const n of others) untag(n);
  } else {
    const tags = rec.names.filter((n) => !isDigestName(n));
    if (tags.length > 1 && !opts.force) throw conflict(`conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`);
    if (users.length > 0 && !opts.force) throw conflict(`conflict: unable to delete ${short} (must be forced) - image is being used by stopped container ${users[0]!.containerId.slice(0, 12)}`);
    for (const n of rec.names) untag(n);
    if (users.length > 0) return out;
  }
  service.records.remove(rec.id);
  out.push({ Deleted: rec.id });
  if (!opts.noPrune) await collectGarbage(service);
  return out;
}
