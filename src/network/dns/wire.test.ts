import { test } from "node:test";
import { strict as assert } from "node:assert";
import {
  buildResponse, encodeName, parseQuery, readName, reverseNameToIPv4, udpLimit, withId,
  RCODE_FORMERR, RCODE_NOERROR, RCODE_NOTIMP, RCODE_NXDOMAIN, RCODE_REFUSED, RCODE_SERVFAIL, TYPE_A, TYPE_AAAA, TYPE_PTR,
  type DnsQuery,
} from "./wire.js";
import { decode, makeQuery } from "./testPackets.js";

function mustParse(buf: Buffer): DnsQuery {
  const r = parseQuery(buf);
  assert.equal(r.kind, "query", r.kind === "query" ? "" : r.reason);
  return (r as { query: DnsQuery }).query;
}

test("parses a plain query, keeping the name's case", () => {
  const q = mustParse(makeQuery("WeB.ExAmple", TYPE_A, { id: 0xbeef }));
  assert.equal(q.id, 0xbeef);
  assert.equal(q.opcode, 0);
  assert.equal(q.rd, true);
  assert.deepEqual({ name: q.question.name, type: q.question.type, class: q.question.class }, { name: "WeB.ExAmple", type: 1, class: 1 });
  assert.equal(q.edns, undefined);
});

test("A answers echo the question byte for byte (0x20) with TTL 600, authoritative", () => {
  const q = mustParse(makeQuery("wEb", TYPE_A, { id: 7 }));
  const d = decode(buildResponse(q, { rcode: RCODE_NOERROR, aa: true, answers: [{ type: TYPE_A, address: "172.18.0.2" }, { type: TYPE_A, address: "172.18.0.3" }] }));
  assert.equal(d.id, 7);
  assert.equal(d.qr, true);
  assert.equal(d.aa, true);
  assert.equal(d.rd, true);
  assert.equal(d.ra, true);
  assert.equal(d.tc, false);
  assert.deepEqual(d.question, { name: "wEb", type: 1, class: 1 });
  assert.deepEqual(d.answers, [
    { name: "wEb", type: 1, ttl: 600, data: "172.18.0.2" },
    { name: "wEb", type: 1, ttl: 600, data: "172.18.0.3" },
  ]);
});

test("PTR answers carry the target name", () => {
  const q = mustParse(makeQuery("2.0.18.172.in-addr.arpa", TYPE_PTR));
  const d = decode(buildResponse(q, { rcode: RCODE_NOERROR, aa: true, answers: [{ type: TYPE_PTR, target: "web.mynet." }] }));
  assert.deepEqual(d.answers, [{ name: "2.0.18.172.in-addr.arpa", type: 12, ttl: 600, data: "web.mynet" }]);
});

test("NXDOMAIN, NODATA, SERVFAIL, REFUSED are the question with an rcode and no answers", () => {
  const q = mustParse(makeQuery("x", TYPE_AAAA));
  for (const rcode of [RCODE_NXDOMAIN, RCODE_NOERROR, RCODE_SERVFAIL, RCODE_REFUSED]) {
    const d = decode(buildResponse(q, { rcode }));
    assert.equal(d.rcode, rcode);
    assert.deepEqual(d.answers, []);
    assert.deepEqual(d.question, { name: "x", type: 28, class: 1 });
  }
});

test("EDNS: the client's size is read and a minimal OPT echoed", () => {
  const q = mustParse(makeQuery("a", TYPE_A, { ednsSize: 4096 }));
  assert.deepEqual(q.edns, { udpSize: 4096 });
  assert.equal(udpLimit(q), 1232);
  const d = decode(buildResponse(q, { rcode: RCODE_NOERROR }));
  assert.equal(d.additional.length, 1);
  assert.equal(d.additional[0]!.type, 41);
  // A tiny advertised size is raised to the plain-DNS minimum.
  assert.equal(udpLimit(mustParse(makeQuery("a", TYPE_A, { ednsSize: 100 }))), 512);
  assert.equal(udpLimit(mustParse(makeQuery("a", TYPE_A))), 512);
});

test("answers that do not fit the transport are dropped and TC set", () => {
  const q = mustParse(makeQuery("many", TYPE_A));
  const answers = Array.from({ length: 40 }, (_, i) => ({ type: TYPE_A, address: `10.0.0.${i}` }) as const);
  const buf = buildResponse(q, { rcode: RCODE_NOERROR, answers, maxSize: 512 });
  assert.ok(buf.length <= 512);
  const d = decode(buf);
  assert.equal(d.tc, true);
  assert.ok(d.answers.length > 0 && d.answers.length < 40);
  assert.equal(decode(buildResponse(q, { rcode: RCODE_NOERROR, answers })).tc, false);
});

test("short packets and responses are dropped", () => {
  assert.equal(parseQuery(Buffer.alloc(0)).kind, "drop");
  assert.equal(parseQuery(Buffer.alloc(11)).kind, "drop");
  const resp = makeQuery("a", TYPE_A);
  resp.writeUInt16BE(0x8100, 2);
  assert.equal(parseQuery(resp).kind, "drop");
});

function replyRcode(buf: Buffer): number {
  const r = parseQuery(buf);
  assert.equal(r.kind, "reply");
  const d = decode((r as { response: Buffer }).response);
  assert.equal(d.id, buf.readUInt16BE(0));
  assert.equal(d.qr, true);
  return d.rcode;
}

test("malformed queries get FORMERR with their id", () => {
  const good = makeQuery("abc.def", TYPE_A, { id: 0x4242 });
  // Truncated anywhere after the header.
  for (let len = 12; len < good.length; len++) assert.equal(replyRcode(good.subarray(0, len)), RCODE_FORMERR, `cut at ${len}`);
  // No question, two questions.
  const none = Buffer.from(good); none.writeUInt16BE(0, 4);
  assert.equal(replyRcode(none), RCODE_FORMERR);
  const two = Buffer.from(good); two.writeUInt16BE(2, 4);
  assert.equal(replyRcode(two), RCODE_FORMERR);
  // A label longer than 63 bytes, a reserved label type.
  const longLabel = Buffer.concat([good.subarray(0, 12), Buffer.from([64]), Buffer.alloc(64, 0x61), Buffer.from([0, 0, 1, 0, 1])]);
  assert.equal(replyRcode(longLabel), RCODE_FORMERR);
  const reserved = Buffer.concat([good.subarray(0, 12), Buffer.from([0x40, 0, 0, 1, 0, 1])]);
  assert.equal(replyRcode(reserved), RCODE_FORMERR);
  // A name over 255 bytes made of legal labels.
  const parts = [good.subarray(0, 12)];
  for (let i = 0; i < 5; i++) parts.push(Buffer.from([60]), Buffer.alloc(60, 0x62));
  parts.push(Buffer.from([0, 0, 1, 0, 1]));
  assert.equal(replyRcode(Buffer.concat(parts)), RCODE_FORMERR);
  // An additional record that claims more data than there is.
  const badOpt = Buffer.concat([makeQuery("a", TYPE_A, { ednsSize: 1232 }), Buffer.alloc(0)]);
  badOpt.writeUInt16BE(50, badOpt.length - 2);
  assert.equal(replyRcode(badOpt), RCODE_FORMERR);
});

test("compression pointers: loops and forward pointers are FORMERR, backward ones read", () => {
  const header = makeQuery("a", TYPE_A).subarray(0, 12);
  // Question name = pointer to itself.
  assert.equal(replyRcode(Buffer.concat([header, Buffer.from([0xc0, 12, 0, 1, 0, 1])])), RCODE_FORMERR);
  // A label followed by a pointer back to that label: a two-step loop.
  assert.equal(replyRcode(Buffer.concat([header, Buffer.from([1, 0x61, 0xc0, 12, 0, 1, 0, 1])])), RCODE_FORMERR);
  // Pointer past the end.
  assert.equal(replyRcode(Buffer.concat([header, Buffer.from([0xff, 0xff, 0, 1, 0, 1])])), RCODE_FORMERR);
  // readName on a message with real compression: "b" + pointer to an earlier "a.example".
  const msg = Buffer.from([1, 0x61, 7, ...Buffer.from("example"), 0, 1, 0x62, 0xc0, 0]);
  const { labels, next } = readName(msg, 11);
  assert.deepEqual(labels.map((l) => l.toString()), ["b", "a", "example"]);
  assert.equal(next, msg.length);
  // A chain of pointers that goes backwards twice is fine; one that returns forwards is not.
  const chain = Buffer.from([0, 1, 0x61, 0xc0, 0, 0xc0, 1]);
  assert.deepEqual(readName(chain, 5).labels.map((l) => l.toString()), ["a"]);
  const loop = Buffer.from([1, 0x61, 0xc0, 4, 1, 0x62, 0xc0, 0]);
  assert.throws(() => readName(loop, 4));
});

test("other opcodes get NOTIMP", () => {
  const q = makeQuery("a", TYPE_A);
  q.writeUInt16BE(0x2800, 2); // opcode 5 (UPDATE)
  assert.equal(replyRcode(q), RCODE_NOTIMP);
});

test("random corruption of a query never throws", () => {
  // Deterministic pseudo-random mutations (LCG) so a failure is reproducible.
  let seed = 12345;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const base = makeQuery("some.name.example", TYPE_A, { ednsSize: 1232 });
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.from(base.subarray(0, 12 + rand(base.length)));
    for (let k = rand(4) + 1; k > 0; k--) if (b.length > 0) b[rand(b.length)] = rand(256);
    const r = parseQuery(b);
    if (r.kind === "query") buildResponse(r.query, { rcode: RCODE_NXDOMAIN });
  }
});

test("encodeName and reverse names", () => {
  assert.deepEqual([...encodeName("ab.c.")], [2, 0x61, 0x62, 1, 0x63, 0]);
  assert.deepEqual([...encodeName("")], [0]);
  assert.throws(() => encodeName("a..b"));
  assert.throws(() => encodeName("x".repeat(64)));
  assert.equal(reverseNameToIPv4("4.3.2.1.IN-ADDR.ARPA."), "1.2.3.4");
  assert.equal(reverseNameToIPv4("4.3.2.1.in-addr.arpa"), "1.2.3.4");
  assert.equal(reverseNameToIPv4("256.3.2.1.in-addr.arpa"), undefined);
  assert.equal(reverseNameToIPv4("04.3.2.1.in-addr.arpa"), undefined);
  assert.equal(reverseNameToIPv4("3.2.1.in-addr.arpa"), undefined);
  assert.equal(reverseNameToIPv4("web"), undefined);
  assert.equal(withId(Buffer.from([1, 2, 3]), 0xabcd).readUInt16BE(0), 0xabcd);
});
