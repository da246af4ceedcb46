/**
 * Registry progress events (src/image/registry/progress.ts) as Docker's JSON progress messages,
 * the way moby's streamformatter writes them: per-layer `status` + `id` + `progressDetail`, a
 * human `progress` bar for old clients, and whole-image lines as plain `status` text.
 */
import type { JSONMessage } from "../api/types/progress.js";
import type { ProgressEvent } from "../image/registry/progress.js";

const DECIMAL_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/** Go's `%.4g` of a non-negative number below 1000 (no exponent form is ever needed there). */
function goG4(v: number): string {
  if (v === 0) return "0";
  const s = v.toPrecision(4);
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/** docker/go-units HumanSize: decimal units, 4 significant digits ("1.235MB", "512B"). */
export function goHumanSize(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < DECIMAL_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${goG4(v)}${DECIMAL_UNITS[i]}`;
}

/**
 * moby's JSONProgress.String() at the server's default width: `[====>    ] 1.2MB/3.4MB`
 * (no time-left box: the server does not track start times).
 */
export function progressBar(current: number, total: number | undefined): string {
  if (current <= 0 && (total ?? 0) <= 0) return "";
  if (!total || total <= 0) return goHumanSize(current).padStart(8);
  const pct = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = `[${"=".repeat(pct)}>${" ".repeat(Math.max(0, 50 - pct))}] `;
  const numbers = current > total ? goHumanSize(current).padStart(8) : `${goHumanSize(current).padStart(8)}/${goHumanSize(total)}`;
  return bar + numbers;
}

/**
 * One registry event as a JSON message. `tagOrDigest` is what a pull's first line carries as
 * its id (`latest: Pulling from library/busybox`).
 */
export function progressMessage(e: ProgressEvent, tagOrDigest: string): JSONMessage {
  switch (e.status) {
    case "Pulling from":
      return { status: `Pulling from ${e.detail ?? ""}`, id: tagOrDigest };
    case "Digest":
      return { status: `Digest: ${e.detail ?? ""}` };
    case "The push refers to repository":
      return { status: `The push refers to repository ${e.detail ?? ""}` };
    case "Mounted from":
      return { status: `Mounted from ${e.detail ?? ""}`, progressDetail: {}, id: e.id ?? "" };
    case "Downloading":
    case "Pushing":
    case "Retrying": {
      const msg: JSONMessage = { status: e.status, progressDetail: {}, id: e.id ?? "" };
      if (e.current !== undefined) {
        msg.progressDetail = e.total ? { current: e.current, total: e.total } : { current: e.current };
        msg.progress = progressBar(e.current, e.total);
      }
      return msg;
    }
    default:
      return e.id ? { status: e.status, progressDetail: {}, id: e.id } : { status: e.status };
  }
}
