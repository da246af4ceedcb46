import { Header, type HeaderData } from "tar";
import type { TarEntry, TarEntryType } from "./tarReader.js";

/**
 * Encodes tar entries (ustar headers via node-tar's Header, plus PAX records written here so
 * long names, big ids and binary xattrs survive). Used for deterministic layers (the default
 * image) and for container diffs. Produces Buffers; the caller streams them out.
 */
const TYPE_NAME: Record<TarEntryType, HeaderData["type"]> = {
  file: "File",
  dir: "Directory",
  symlink: "SymbolicLink",
  hardlink: "Link",
  char: "CharacterDevice",
  block: "BlockDevice",
  fifo: "FIFO",
};

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from("\n")]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);
const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

export type TarHeaderInput = Omit<TarEntry, "xattrs" | "devmajor" | "devminor"> & Partial<Pick<TarEntry, "xattrs" | "devmajor" | "devminor">> & { uname?: string; gname?: string };

/** Header block(s) for an entry: optional PAX header + ustar header. Data follows separately. */
export function encodeHeader(e: TarHeaderInput): Buffer {
  const records: Buffer[] = [];
  const path = e.type === "dir" && !e.path.endsWith("/") ? `${e.path}/` : e.path;
  const size = e.type === "file" ? e.size : 0;
  if (Buffer.byteLength(path) > 100 || /[^\x20-\x7e]/.test(path)) records.push(paxRecord("path", Buffer.from(path)));
  if (e.linkpath !== undefined && (Buffer.byteLength(e.linkpath) > 100 || /[^\x20-\x7e]/.test(e.linkpath))) records.push(paxRecord("linkpath", Buffer.from(e.linkpath)));
  if (e.uid > MAX_OCTAL_8) records.push(paxRecord("uid", Buffer.from(String(e.uid))));
  if (e.gid > MAX_OCTAL_8) records.push(paxRecord("gid", Buffer.from(String(e.gid))));
  if (size > MAX_OCTAL_12) records.push(paxRecord("size", Buffer.from(String(size))));
  for (const [k, v] of [...(e.xattrs ?? new Map<string, Buffer>())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const data: HeaderData = {
    path: records.length && Buffer.byteLength(path) > 100 ? path.slice(0, 99) : path,
    mode: e.mode & 0o7777,
    uid: Math.min(e.uid, MAX_OCTAL_8),
    gid: Math.min(e.gid, MAX_OCTAL_8),
    size,
    mtime: e.mtime,
    type: TYPE_NAME[e.type],
    uname: e.uname ?? "",
    gname: e.gname ?? "",
    devmaj: e.devmajor ?? 0,
    devmin: e.devminor ?? 0,
  };
  if (e.linkpath !== undefined) data.linkpath = Buffer.byteLength(e.linkpath) > 100 ? e.linkpath.slice(0, 99) : e.linkpath;
  const h = new Header(data);
  const block = Buffer.alloc(512);
  h.encode(block, 0);
  if (records.length === 0) return block;
  const body = Buffer.concat(records);
  const paxHeader = new Header({ path: "PaxHeaders/" + path.slice(0, 80), mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: e.mtime, type: "ExtendedHeader" });
  const paxBlock = Buffer.alloc(512);
  paxHeader.encode(paxBlock, 0);
  return Buffer.concat([paxBlock, body, pad(body.length), block]);
}

/** Padding after `size` bytes of file data. */
export function dataPadding(size: number): Buffer {
  return pad(size);
}

/** The end-of-archive marker: two zero blocks. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(1024);
}

/** The tar entry type of a file as lstat saw it; undefined for sockets (not archived, as tar and Docker do). */
export function tarEntryTypeOf(st: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean }): Exclude<TarEntryType, "hardlink"> | undefined {
  if (st.isDirectory()) return "dir";
  if (st.isFile()) return "file";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isCharacterDevice()) return "char";
  if (st.isBlockDevice()) return "block";
  if (st.isFIFO()) return "fifo";
  return undefined;
}
