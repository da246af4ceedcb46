/**
 * DNS message format (RFC 1035 §4, EDNS per RFC 6891), only as much as a container resolver
 * needs: parse a query (header, one question, an OPT record in the additional section) and
 * build responses to it. Parsing never throws: a packet is either a query, a FORMERR answer
 * (when its id could be read) or dropped. Names are kept as the client sent them (0x20 case
 * randomisation survives the echo); matching lowercases a copy.
 */

export const TYPE_A = 1;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
export const TYPE_OPT = 41;
export const CLASS_IN = 1;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;
export const RCODE_REFUSED = 5;

/** Docker's embedded DNS answers with TTL 600. */
export const ANSWER_TTL = 600;
/** Plain DNS over UDP: responses above this are truncated unless EDNS says more (RFC 1035 §4.2.1). */
export const UDP_PLAIN_MAX = 512;
/** What we advertise in our own OPT record and the most we will send over UDP. */
export const EDNS_UDP_SIZE = 1232;

const HEADER_LEN = 12;
const MAX_NAME_WIRE = 255;
const MAX_LABEL = 63;

export interface DnsQuestion {
  /** Dotted name as sent (case preserved, no trailing dot; "" for the root). */
  name: string;
  /** The uncompressed wire form of the name, echoed verbatim in responses. */
  wire: Buffer;
  type: number;
  class: number;
}

export interface DnsQuery {
  id: number;
  opcode: number;
  /** Recursion desired, echoed in the response. */
  rd: boolean;
  /** Checking disabled (RFC 4035), echoed. */
  cd: boolean;
  question: DnsQuestion;
  /** Present when the query carried an OPT record: the client's UDP payload size. */
  edns?: { udpSize: number };
}

export type ParseResult =
  | { kind: "query"; query: DnsQuery }
  /** The packet was readable enough to answer (id known) but not a valid query: reply with `response`. */
  | { kind: "reply"; response: Buffer; reason: string }
  /** Not worth an answer (too short for a header, or a response rather than a query). */
  | { kind: "drop"; reason: string };

class WireError extends Error {}

/**
 * Reads a possibly compressed name at `offset`. Pointers must point strictly backwards from the
 * label that holds them, which makes loops impossible; the expanded name is bounded at 255 bytes.
 */
export function readName(buf: Buffer, offset: number): { labels: Buffer[]; next: number } {
  const labels: Buffer[] = [];
  let pos = offset;
  let next = -1; // where the caller continues: after the first pointer, or after the root label
  let total = 1;
  let limit = offset; // a pointer must go below the lowest position visited so far
  for (;;) {
    if (pos >= buf.length) throw new WireError("name runs past the end of the message");
    const len = buf[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      return { labels, next };
    }
    const tag = len & 0xc0;
    if (tag === 0xc0) {
      if (pos + 1 >= buf.length) throw new WireError("compression pointer runs past the end");
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (next < 0) next = pos + 2;
      if (target >= limit) throw new WireError("compression pointer does not point backwards");
      limit = target;
      pos = target;
      continue;
    }
    if (tag !== 0) throw new WireError("unsupported label type");
    if (len > MAX_LABEL) throw new WireError("label longer than 63 bytes");
    if (pos + 1 + len > buf.length) throw new WireError("label runs past the end");
    total += len + 1;
    if (total > MAX_NAME_WIRE) throw new WireError("name longer than 255 bytes");
    labels.push(buf.subarray(pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
}

/** Uncompressed wire form of labels. */
function labelsWire(labels: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const l of labels) parts.push(Buffer.from([l.length]), l);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** Encodes a dotted name ("a.b.c" or "a.b.c."); throws for empty or oversized labels. */
export function encodeName(name: string): Buffer {
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  if (trimmed === "") return Buffer.from([0]);
  const labels = trimmed.split(".").map((l) => Buffer.from(l, "latin1"));
  for (const l of labels) {
    if (l.length === 0 || l.length > MAX_LABEL) throw new Error(`encode name: bad label in ${JSON.stringify(name)}`);
  }
  const wire = labelsWire(labels);
  if (wire.length > MAX_NAME_WIRE) throw new Error(`encode name: ${JSON.stringify(name)} is longer than 255 bytes`);
  return wire;
}

/** Skips one resource record (name, fixed fields, rdata) and returns what the OPT check needs. */
function readRecordHead(buf: Buffer, offset: number): { nameIsRoot: boolean; type: number; klass: number; ttl: number; rdata: number; next: number } {
  const { labels, next: afterName } = readName(buf, offset);
  if (afterName + 10 > buf.length) throw new WireError("record header runs past the end");
  const type = buf.readUInt16BE(afterName);
  const klass = buf.readUInt16BE(afterName + 2);
  const ttl = buf.readUInt32BE(afterName + 4);
  const rdlen = buf.readUInt16BE(afterName + 8);
  const rdata = afterName + 10;
  if (rdata + rdlen > buf.length) throw new WireError("record data runs past the end");
  return { nameIsRoot: labels.length === 0, type, klass, ttl, rdata, next: rdata + rdlen };
}

/** Parses a query. Never throws. */
export function parseQuery(buf: Buffer): ParseResult {
  if (buf.length < HEADER_LEN) return { kind: "drop", reason: "shorter than a DNS header" };
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return { kind: "drop", reason: "a response, not a query" };
  const opcode = (flags >> 11) & 0x0f;
  const rd = (flags & 0x0100) !== 0;
  const cd = (flags & 0x0010) !== 0;
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  const bare = { id, opcode, rd, cd };
  const fail = (rcode: number, reason: string): ParseResult => ({ kind: "reply", response: headerOnly(bare, rcode), reason });
  if (opcode !== 0) return fail(RCODE_NOTIMP, `opcode ${opcode} is not supported`);
  if (qd !== 1) return fail(RCODE_FORMERR, `${qd} questions (exactly one is supported)`);
  try {
    const { labels, next } = readName(buf, HEADER_LEN);
    if (next + 4 > buf.length) throw new WireError("question runs past the end");
    const question: DnsQuestion = {
      name: labels.map((l) => l.toString("latin1")).join("."),
      wire: labelsWire(labels),
      type: buf.readUInt16BE(next),
      class: buf.readUInt16BE(next + 2),
    };
    const query: DnsQuery = { ...bare, question };
    // Walk answer/authority/additional only to find an OPT record; anything else is ignored.
    let pos = next + 4;
    for (let i = 0; i < an + ns + ar; i++) {
      const rr = readRecordHead(buf, pos);
      pos = rr.next;
      if (i >= an + ns && rr.type === TYPE_OPT) {
        if (!rr.nameIsRoot || query.edns) throw new WireError("malformed or repeated OPT record");
        query.edns = { udpSize: Math.max(UDP_PLAIN_MAX, rr.klass) };
      }
    }
    return { kind: "query", query };
  } catch (e) {
    if (e instanceof WireError) return fail(RCODE_FORMERR, e.message);
    throw e;
  }
}

export type Answer = { type: typeof TYPE_A; address: string } | { type: typeof TYPE_PTR; target: string };

function headerOnly(q: { id: number; opcode: number; rd: boolean; cd: boolean }, rcode: number): Buffer {
  const h = Buffer.alloc(HEADER_LEN);
  h.writeUInt16BE(q.id, 0);
  h.writeUInt16BE(flagsFor(q, rcode, false, false), 2);
  return h;
}

function flagsFor(q: { opcode: number; rd: boolean; cd: boolean }, rcode: number, aa: boolean, tc: boolean): number {
  return 0x8000 | (q.opcode << 11) | (aa ? 0x0400 : 0) | (tc ? 0x0200 : 0) | (q.rd ? 0x0100 : 0) | 0x0080 | (q.cd ? 0x0010 : 0) | (rcode & 0x0f);
}

function encodeAnswer(a: Answer): Buffer {
  const rdata = a.type === TYPE_A ? ipv4Bytes(a.address) : encodeName(a.target);
  const rr = Buffer.alloc(12 + rdata.length);
  rr.writeUInt16BE(0xc000 | HEADER_LEN, 0); // the owner name is the question's: a pointer to it
  rr.writeUInt16BE(a.type, 2);
  rr.writeUInt16BE(CLASS_IN, 4);
  rr.writeUInt32BE(ANSWER_TTL, 6);
  rr.writeUInt16BE(rdata.length, 10);
  rdata.copy(rr, 12);
  return rr;
}

function ipv4Bytes(address: string): Buffer {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`encode A record: ${JSON.stringify(address)} is not an IPv4 address`);
  }
  return Buffer.from(parts);
}

/** Our OPT record: root name, our UDP size, no extended rcode, version 0, no options. */
function optRecord(): Buffer {
  const o = Buffer.alloc(11);
  o.writeUInt8(0, 0);
  o.writeUInt16BE(TYPE_OPT, 1);
  o.writeUInt16BE(EDNS_UDP_SIZE, 3);
  return o;
}

export interface ResponseOptions {
  rcode: number;
  answers?: Answer[];
  /** Authoritative: set for names answered from the local records. */
  aa?: boolean;
  /** Largest message the transport allows (UDP: 512 or the client's EDNS size); answers that do not fit are dropped and TC set. */
  maxSize?: number;
}

/**
 * A response to `q`: its question echoed verbatim, the answers (owner name = the question),
 * and an OPT record when the query had one. NXDOMAIN/NODATA/SERVFAIL/... are all this with
 * no answers and the rcode.
 */
export function buildResponse(q: DnsQuery, o: ResponseOptions): Buffer {
  const question = Buffer.alloc(q.question.wire.length + 4);
  q.question.wire.copy(question, 0);
  question.writeUInt16BE(q.question.type, q.question.wire.length);
  question.writeUInt16BE(q.question.class, q.question.wire.length + 2);
  const opt = q.edns ? optRecord() : Buffer.alloc(0);
  let answers = (o.answers ?? []).map(encodeAnswer);
  let tc = false;
  const max = o.maxSize ?? 65535;
  const size = () => HEADER_LEN + question.length + answers.reduce((n, a) => n + a.length, 0) + opt.length;
  while (answers.length > 0 && size() > max) {
    answers = answers.slice(0, -1);
    tc = true;
  }
  const header = Buffer.alloc(HEADER_LEN);
  header.writeUInt16BE(q.id, 0);
  header.writeUInt16BE(flagsFor(q, o.rcode, o.aa ?? false, tc), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(q.edns ? 1 : 0, 10);
  return Buffer.concat([header, question, ...answers, opt]);
}

/** The most a UDP response to `q` may carry. */
export function udpLimit(q: DnsQuery): number {
  return q.edns ? Math.min(q.edns.udpSize, EDNS_UDP_SIZE) : UDP_PLAIN_MAX;
}

/** "4.3.2.1.in-addr.arpa" (any case, optional trailing dot) → "1.2.3.4"; undefined for anything else. */
export function reverseNameToIPv4(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.?$/i.exec(name);
  if (!m) return undefined;
  const octets = [m[4], m[3], m[2], m[1]].map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  // "01" is not a canonical octet; such a name is no reverse name of ours.
  if ([m[1], m[2], m[3], m[4]].some((s) => s!.length > 1 && s!.startsWith("0"))) return undefined;
  return octets.join(".");
}

/** The id of a DNS message (0 if shorter than 2 bytes). */
export function messageId(buf: Buffer): number {
  return buf.length >= 2 ? buf.readUInt16BE(0) : 0;
}

/** A copy of `buf` with its id replaced. */
export function withId(buf: Buffer, id: number): Buffer {
  const copy = Buffer.from(buf);
  if (copy.length >= 2) copy.writeUInt16BE(id, 0);
  return copy;
}
