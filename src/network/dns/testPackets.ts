/**
 * Test-only packet helpers, written independently of wire.ts so the tests check the codec
 * against hand-made bytes rather than against itself.
 */

export interface QueryOptions {
  id?: number;
  rd?: boolean;
  /** Adds an OPT record advertising this UDP size. */
  ednsSize?: number;
}

/** A query for `name` (dotted, case kept) and `type`, class IN. */
export function makeQuery(name: string, type: number, o: QueryOptions = {}): Buffer {
  const labels = name.replace(/\.$/, "").split(".").filter((l) => l !== "");
  const bytes: number[] = [];
  const u16 = (v: number) => bytes.push((v >> 8) & 0xff, v & 0xff);
  u16(o.id ?? 0x1234);
  u16(o.rd === false ? 0 : 0x0100);
  u16(1);
  u16(0);
  u16(0);
  u16(o.ednsSize === undefined ? 0 : 1);
  for (const l of labels) {
    bytes.push(l.length);
    for (const ch of l) bytes.push(ch.charCodeAt(0));
  }
  bytes.push(0);
  u16(type);
  u16(1);
  if (o.ednsSize !== undefined) {
    bytes.push(0);
    u16(41);
    u16(o.ednsSize);
    u16(0);
    u16(0);
    u16(0);
  }
  return Buffer.from(bytes);
}

export interface DecodedRecord {
  name: string;
  type: number;
  ttl: number;
  /** A: dotted address; PTR: dotted name; otherwise hex. */
  data: string;
}

export interface Decoded {
  id: number;
  qr: boolean;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
  question?: { name: string; type: number; class: number };
  answers: DecodedRecord[];
  additional: DecodedRecord[];
}

function name(buf: Buffer, off: number): [string, number] {
  const labels: string[] = [];
  let end = -1;
  for (let hops = 0; hops < 20; hops++) {
    const len = buf[off]!;
    if (len === 0) return [labels.join("."), end < 0 ? off + 1 : end];
    if ((len & 0xc0) === 0xc0) {
      if (end < 0) end = off + 2;
      off = ((len & 0x3f) << 8) | buf[off + 1]!;
      continue;
    }
    labels.push(buf.subarray(off + 1, off + 1 + len).toString("latin1"));
    off += 1 + len;
  }
  throw new Error("test decoder: name too long or looping");
}

/** Decodes a response well enough for assertions. */
export function decode(buf: Buffer): Decoded {
  const flags = buf.readUInt16BE(2);
  const d: Decoded = {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0x0f,
    answers: [],
    additional: [],
  };
  const qd = buf.readUInt16BE(4), an = buf.readUInt16BE(6), ns = buf.readUInt16BE(8), ar = buf.readUInt16BE(10);
  let off = 12;
  if (qd > 0) {
    const [n, next] = name(buf, off);
    d.question = { name: n, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) };
    off = next + 4;
  }
  for (let i = 0; i < an + ns + ar; i++) {
    const [n, next] = name(buf, off);
    const type = buf.readUInt16BE(next);
    const ttl = buf.readUInt32BE(next + 4);
    const len = buf.readUInt16BE(next + 8);
    const rdata = buf.subarray(next + 10, next + 10 + len);
    const data = type === 1 ? [...rdata].join(".") : type === 12 ? name(buf, next + 10)[0] : rdata.toString("hex");
    const rec = { name: n, type, ttl, data };
    if (i < an) d.answers.push(rec);
    else if (i >= an + ns) d.additional.push(rec);
    off = next + 10 + len;
  }
  return d;
}

/** A hand-made response to `query` with A answers (owner name spelled out, no compression). */
export function makeAResponse(query: Buffer, addresses: string[], rcode = 0): Buffer {
  const qEnd = 12 + (() => { let o = 12; while (query[o] !== 0) o += 1 + query[o]!; return o + 1 - 12; })() + 4;
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180 | rcode, 2);
  header.writeUInt16BE(addresses.length, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  const qname = query.subarray(12, qEnd - 4);
  const answers = addresses.map((a) => {
    const rr = Buffer.alloc(qname.length + 14);
    qname.copy(rr, 0);
    rr.writeUInt16BE(1, qname.length);
    rr.writeUInt16BE(1, qname.length + 2);
    rr.writeUInt32BE(30, qname.length + 4);
    rr.writeUInt16BE(4, qname.length + 8);
    Buffer.from(a.split(".").map(Number)).copy(rr, qname.length + 10);
    return rr;
  });
  return Buffer.concat([header, query.subarray(12, qEnd), ...answers]);
}
