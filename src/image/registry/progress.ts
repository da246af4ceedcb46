/**
 * Progress of a pull or push, one event per state change or chunk, shaped so a CLI can draw
 * Docker's per-layer bars (`id: status [=====>   ] current/total`) and the API can stream them
 * as Docker's JSON progress messages. Events without an `id` are whole-image lines
 * ("Pulling from library/busybox", "Digest: sha256:...").
 */
export type ProgressStatus =
  | "Pulling from"
  | "Pulling fs layer"
  | "Waiting"
  | "Downloading"
  | "Retrying"
  | "Verifying Checksum"
  | "Download complete"
  | "Already exists"
  | "Pull complete"
  | "Digest"
  | "The push refers to repository"
  | "Preparing"
  | "Pushing"
  | "Pushed"
  | "Layer already exists"
  | "Mounted from";

export interface ProgressEvent {
  /** Short digest (12 hex characters) of the blob, absent for whole-image lines. */
  id?: string;
  status: ProgressStatus;
  /** Bytes done so far (Downloading/Pushing). */
  current?: number;
  /** Blob size when known. */
  total?: number;
  /** Text after the status: a repository, a digest, a retry reason. */
  detail?: string;
}

export type ProgressListener = (e: ProgressEvent) => void;

export function shortId(digest: string): string {
  const i = digest.indexOf(":");
  return digest.slice(i + 1, i + 13);
}

/** Renders an event as Docker's CLI prints it (without the bar), e.g. for logs. */
export function formatProgress(e: ProgressEvent): string {
  const head = e.id ? `${e.id}: ` : "";
  const tail = e.detail ? ` ${e.detail}` : "";
  const bytes = e.current !== undefined && e.total ? ` ${e.current}/${e.total}` : "";
  return `${head}${e.status}${tail}${bytes}`;
}
