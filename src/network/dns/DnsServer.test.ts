import { test, after } from "node:test";
import { strict as assert } from "node:assert";
import { createSocket } from "node:dgram";
import { connect, createServer, type Server } from "node:net";
import { randomInt } from "node:crypto";
import { networkInterfaces } from "node:os";
import { DnsServer, type DnsRecords } from "./DnsServer.js";
import { FrameReader, frame } from "./tcpFraming.js";
import { decode, makeQuery } from "./testPackets.js";
import { FakeUpstream } from "./testUpstream.js";
import { isEngineError } from "../../errors/EngineError.js";

/**
 * Real sockets on random 127.x.y.z addresses (all of 127/8 is loopback on Linux) and high
 * ports, so parallel runs never meet. Every server and fake upstream is closed in `after`.
 */
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

const randomLoopback = () => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
const randomPort = () => randomInt(20000, 60000);

const RECORDS: DnsRecords = {
  lookup: (n) => ({ web: ["172.18.0.2"], "web.mynet": ["172.18.0.2"], shared: ["172.18.0.2", "172.18.0.3"] } as Record<string, string[]>)[n] ?? [],
  reverse: (ip) => (ip === "172.18.0.2" ? "web.mynet" : undefined),
};

function server(o: Partial<ConstructorParameters<typeof DnsServer>[0]> = {}): DnsServer {
  const s = new DnsServer({ upstreams: () => [], timeoutMs: 300, ...o });
  closers.push(() => s.close());
  return s;
}

async function listening(o: Partial<ConstructorParameters<typeof DnsServer>[0]> = {}, records: DnsRecords | null = RECORDS) {
  const s = server(o);
  const address = randomLoopback();
  const port = randomPort();
  await s.listen(address, port, records);
  return { s, address, port };
}

function udpAsk(address: string, port: number, msg: Buffer, waitMs = 2000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket("udp4");
    const timer = setTimeout(() => done(undefined), waitMs);
    const done = (r: Buffer | undefined) => {
      clearTimeout(timer);
      sock.close();
      resolve(r);
    };
    sock.on("message", (m) => done(m));
    sock.on("error", () => done(undefined));
    sock.send(msg, port, address);
  });
}

function tcpAsk(address: string, port: number, msgs: Buffer[]): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: address, port });
    const reader = new FrameReader();
    const got: Buffer[] = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`tcp: ${got.length}/${msgs.length} answers`)); }, 3000);
    sock.on("error", (e) => { clearTimeout(timer); reject(e); });
    sock.on("close", () => { clearTimeout(timer); reject(new Error(`tcp: closed after ${got.length}/${msgs.length} answers`)); });
    sock.on("connect", () => sock.write(Buffer.concat(msgs.map(frame))));
    sock.on("data", (c) => {
      got.push(...reader.push(c));
      if (got.length === msgs.length) {
        clearTimeout(timer);
        sock.destroy();
        resolve(got);
      }
    });
  });
}

async function fakeUpstream(port: number, mode: FakeUpstream["mode"] = "answer"): Promise<FakeUpstream> {
  const u = await new FakeUpstream(randomLoopback(), port, mode).start();
  closers.push(() => u.close());
  return u;
}

test("known names: any case, with or without a trailing dot; question echoed as sent", async () => {
  const { address, port } = await listening();
  for (const name of ["web", "WeB", "web.", "Web.MyNet", "web.mynet."]) {
    const d = decode((await udpAsk(address, port, makeQuery(name, 1, { id: 0x5151 })))!);
    assert.equal(d.id, 0x5151);
    assert.equal(d.rcode, 0);
    assert.equal(d.aa, true);
    assert.equal(d.question!.name, name.replace(/\.$/, ""));
    assert.deepEqual(d.answers.map((a) => [a.name, a.type, a.ttl, a.data]), [[name.replace(/\.$/, ""), 1, 600, "172.18.0.2"]]);
  }
});

test("a shared alias answers every address, rotating the order", async () => {
  const { address, port } = await listening();
  const firsts = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const d = decode((await udpAsk(address, port, makeQuery("shared", 1)))!);
    assert.deepEqual(d.answers.map((a) => a.data).sort(), ["172.18.0.2", "172.18.0.3"]);
    firsts.add(d.answers[0]!.data);
  }
  assert.equal(firsts.size, 2);
});

test("AAAA of a known name is NODATA; PTR of a known address is its name", async () => {
  const { address, port } = await listening();
  const aaaa = decode((await udpAsk(address, port, makeQuery("web", 28)))!);
  assert.equal(aaaa.rcode, 0);
  assert.deepEqual(aaaa.answers, []);
  const ptr = decode((await udpAsk(address, port, makeQuery("2.0.18.172.in-addr.arpa", 12)))!);
  assert.equal(ptr.rcode, 0);
  assert.deepEqual(ptr.answers.map((a) => [a.type, a.data]), [[12, "web.mynet"]]);
});

test("unknown names, unknown PTRs and the default bridge's names go upstream; the answer is relayed with the client's id", async () => {
  const upPort = randomPort();
  const up = await fakeUpstream(upPort);
  const { address, port } = await listening({ upstreams: () => [up.address], upstreamPort: upPort });
  const d = decode((await udpAsk(address, port, makeQuery("Elsewhere.Example", 1, { id: 0x0a0b })))!);
  assert.equal(d.id, 0x0a0b);
  assert.equal(d.rcode, 0);
  assert.deepEqual(d.answers.map((a) => a.data), ["192.0.2.7"]);
  assert.deepEqual(up.seen.map((s) => [s.transport, s.name]), [["udp", "Elsewhere.Example"]]);
  const ptr = decode((await udpAsk(address, port, makeQuery("9.0.18.172.in-addr.arpa", 12)))!);
  assert.equal(ptr.rcode, 0);
  assert.equal(up.seen.at(-1)!.name, "9.0.18.172.in-addr.arpa");

  // records null: even a name other networks know is forwarded.
  const s2 = server({ upstreams: () => [up.address], upstreamPort: upPort });
  const a2 = randomLoopback();
  await s2.listen(a2, port, null);
  const fwd = decode((await udpAsk(a2, port, makeQuery("web", 1)))!);
  assert.deepEqual(fwd.answers.map((a) => a.data), ["192.0.2.7"]);
  assert.equal(up.seen.at(-1)!.name, "web");
});

test("upstreams are tried in order; the list is read at every query", async () => {
  const upPort = randomPort();
  const silent = await fakeUpstream(upPort, "silent");
  const failing = await fakeUpstream(upPort, "servfail");
  const good = await fakeUpstream(upPort);
  let list = [silent.address, failing.address, good.address];
  const { address, port } = await listening({ upstreams: () => list, upstreamPort: upPort, timeoutMs: 200 });
  const d = decode((await udpAsk(address, port, makeQuery("x.example", 1)))!);
  assert.deepEqual(d.answers.map((a) => a.data), ["192.0.2.7"]);
  assert.deepEqual([silent.seen.length, failing.seen.length, good.seen.length], [1, 1, 1]);
  list = [good.address];
  await udpAsk(address, port, makeQuery("y.example", 1));
  assert.deepEqual([silent.seen.length, failing.seen.length, good.seen.length], [1, 1, 2]);
});

test("SERVFAIL when no upstream answers, when there are none, and instead of forwarding to itself", async () => {
  const upPort = randomPort();
  const silent = await fakeUpstream(upPort, "silent");
  const { address, port } = await listening({ upstreams: () => [silent.address], upstreamPort: upPort, timeoutMs: 150 });
  const d = decode((await udpAsk(address, port, makeQuery("gone.example", 1, { id: 99 })))!);
  assert.deepEqual([d.id, d.rcode, d.answers.length], [99, 2, 0]);
  assert.equal(silent.seen.length, 1);

  const none = await listening({ upstreams: () => [] });
  assert.equal(decode((await udpAsk(none.address, none.port, makeQuery("gone.example", 1)))!).rcode, 2);

  const selfPort = randomPort();
  let selfAddr = "";
  const self = await listening({ upstreams: () => [selfAddr], upstreamPort: selfPort, timeoutMs: 5000 });
  selfAddr = self.address;
  // The listener's own port is not selfPort here, so make them equal with a second listen.
  await self.s.listen(self.address, selfPort, RECORDS);
  assert.equal(decode((await udpAsk(self.address, selfPort, makeQuery("loop.example", 1), 1000))!).rcode, 2);
});

test("a failing upstreams() or records callback gives SERVFAIL, not a crash", async () => {
  const bad = await listening({ upstreams: () => { throw new Error("resolv.conf unreadable"); } });
  assert.equal(decode((await udpAsk(bad.address, bad.port, makeQuery("x.example", 1)))!).rcode, 2);
  const throwing: DnsRecords = { lookup: () => { throw new Error("boom"); }, reverse: () => undefined };
  const logs: string[] = [];
  const t = await listening({ log: (_l, m) => logs.push(m) }, throwing);
  assert.equal(decode((await udpAsk(t.address, t.port, makeQuery("web", 1)))!).rcode, 2);
  assert.ok(logs.some((m) => m.includes("boom")));
});

test("TCP: several queries on one connection, local and forwarded (over TCP)", async () => {
  const upPort = randomPort();
  const up = await fakeUpstream(upPort);
  const { address, port } = await listening({ upstreams: () => [up.address], upstreamPort: upPort });
  const answers = (await tcpAsk(address, port, [makeQuery("web", 1, { id: 1 }), makeQuery("far.example", 1, { id: 2 }), makeQuery("web", 28, { id: 3 })])).map(decode);
  const byId = new Map(answers.map((a) => [a.id, a]));
  assert.deepEqual(byId.get(1)!.answers.map((a) => a.data), ["172.18.0.2"]);
  assert.deepEqual(byId.get(2)!.answers.map((a) => a.data), ["192.0.2.7"]);
  assert.deepEqual([byId.get(3)!.rcode, byId.get(3)!.answers.length], [0, 0]);
  assert.deepEqual(up.seen.map((s) => s.transport), ["tcp"]);
});

test("bad packets get FORMERR or nothing, and the server keeps answering", async () => {
  const { address, port } = await listening();
  assert.equal(await udpAsk(address, port, Buffer.from([1, 2, 3]), 300), undefined);
  const loop = Buffer.concat([makeQuery("a", 1, { id: 0x7777 }).subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
  const d = decode((await udpAsk(address, port, loop))!);
  assert.deepEqual([d.id, d.rcode], [0x7777, 1]);
  const [tcpBad] = await tcpAsk(address, port, [loop]);
  assert.equal(decode(tcpBad!).rcode, 1);
  assert.equal(decode((await udpAsk(address, port, makeQuery("web", 1)))!).answers.length, 1);
});

test("forwards in flight are bounded: beyond the limit queries are REFUSED", async () => {
  const upPort = randomPort();
  const silent = await fakeUpstream(upPort, "silent");
  const { address, port } = await listening({ upstreams: () => [silent.address], upstreamPort: upPort, timeoutMs: 1000, maxInFlight: 1 });
  const first = udpAsk(address, port, makeQuery("slow.example", 1));
  while (silent.seen.length === 0) await new Promise((r) => setTimeout(r, 10));
  const second = decode((await udpAsk(address, port, makeQuery("other.example", 1)))!);
  assert.equal(second.rcode, 5);
  assert.equal(decode((await first)!).rcode, 2);
});

test("many concurrent forwards: all answered, no listener-leak warning", async () => {
  const upPort = randomPort();
  const up = await fakeUpstream(upPort);
  const { address, port } = await listening({ upstreams: () => [up.address], upstreamPort: upPort });
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  try {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => udpAsk(address, port, makeQuery(`n${i}.example`, 1, { id: i }))));
    assert.deepEqual(answers.map((a) => decode(a!).id), Array.from({ length: 40 }, (_, i) => i));
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("warning", onWarning);
  }
  assert.deepEqual(warnings, []);
});

test("listening again replaces the records; unlisten frees the address and port", async () => {
  const { s, address, port } = await listening();
  await s.listen(address, port, { lookup: (n) => (n === "web" ? ["172.18.0.9"] : []), reverse: () => undefined });
  assert.deepEqual(decode((await udpAsk(address, port, makeQuery("web", 1)))!).answers.map((a) => a.data), ["172.18.0.9"]);
  await s.unlisten(address);
  await s.unlisten(address); // idempotent
  assert.equal(await udpAsk(address, port, makeQuery("web", 1), 300), undefined);
  // Both ports can be bound again by someone else.
  const u = createSocket("udp4");
  await new Promise<void>((r) => u.bind(port, address, r));
  await new Promise<void>((r) => u.close(() => r()));
  const t = createServer();
  await new Promise<void>((r) => t.listen(port, address, r));
  await new Promise<void>((r) => t.close(() => r()));
});

test("a taken port is a Conflict naming address:port, and nothing stays bound", async () => {
  const address = randomLoopback();
  const port = randomPort();
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(port, address, r));
  const s = server();
  await assert.rejects(s.listen(address, port, null), (e) => isEngineError(e, "Conflict") && e.message.includes(`${address}:${port}`));
  await new Promise<void>((r) => blocker.close(() => r()));
  // The UDP half bound before the TCP failure was released.
  const u = createSocket("udp4");
  await new Promise<void>((r) => u.bind(port, address, r));
  await new Promise<void>((r) => u.close(() => r()));
  // And the server can listen there now.
  await s.listen(address, port, RECORDS);
  assert.equal(decode((await udpAsk(address, port, makeQuery("web", 1)))!).answers.length, 1);
});

test("a taken UDP port is a Conflict too; an address no interface has is FailedPrecondition", async () => {
  const address = randomLoopback();
  const port = randomPort();
  const blocker = createSocket("udp4");
  await new Promise<void>((r) => blocker.bind(port, address, r));
  const s = server();
  await assert.rejects(s.listen(address, port, null), (e) => isEngineError(e, "Conflict") && e.message.includes(`${address}:${port}`));
  await new Promise<void>((r) => blocker.close(() => r()));
  // Nothing left bound on TCP either.
  const t = createServer();
  await new Promise<void>((r) => t.listen(port, address, r));
  await new Promise<void>((r) => t.close(() => r()));
  // An address of TEST-NET-3 that no interface of this host has.
  const local = new Set(Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address)));
  const absent = Array.from({ length: 250 }, (_, i) => `203.0.113.${i + 1}`).find((a) => !local.has(a))!;
  await assert.rejects(s.listen(absent, port, null), (e) => isEngineError(e, "FailedPrecondition") && e.message.includes(absent));
});

test("close ends pending forwards and listeners; listen afterwards fails", async () => {
  const upPort = randomPort();
  const silent = await fakeUpstream(upPort, "silent");
  const s = new DnsServer({ upstreams: () => [silent.address], upstreamPort: upPort, timeoutMs: 60_000 });
  const address = randomLoopback();
  const port = randomPort();
  await s.listen(address, port, RECORDS);
  const tcpPending = tcpAsk(address, port, [makeQuery("slow.example", 1)]).catch((e: Error) => e);
  void udpAsk(address, port, makeQuery("slow2.example", 1), 200);
  while (silent.seen.length < 2) await new Promise((r) => setTimeout(r, 10));
  await s.close();
  assert.ok((await tcpPending) instanceof Error);
  await assert.rejects(s.listen(address, port, null), (e) => isEngineError(e, "FailedPrecondition"));
  const t = createServer();
  await new Promise<void>((r) => t.listen(port, address, r));
  await new Promise<void>((r) => t.close(() => r()));
});

test("forward: false (an --internal network) answers its names and SERVFAILs the rest without asking upstream", async () => {
  const upPort = randomPort();
  const up = await fakeUpstream(upPort);
  const { s, address, port } = await listening({ upstreams: () => [up.address], upstreamPort: upPort });
  await s.listen(address, port, RECORDS, { forward: false });
  assert.equal(decode((await udpAsk(address, port, makeQuery("web", 1)))!).answers.length, 1);
  assert.equal(decode((await udpAsk(address, port, makeQuery("outside.example", 1)))!).rcode, 2);
  assert.equal(up.seen.length, 0);
  // Listening again without the option turns forwarding back on.
  await s.listen(address, port, RECORDS);
  assert.deepEqual(decode((await udpAsk(address, port, makeQuery("outside.example", 1)))!).answers.map((a) => a.data), ["192.0.2.7"]);
});

test("the records see the client's source address, over UDP and TCP", async () => {
  const seen: (string | undefined)[] = [];
  const byClient: DnsRecords = {
    lookup: (n, client) => {
      seen.push(client);
      return n === "who" && client ? [client] : [];
    },
    reverse: () => undefined,
  };
  const { address, port } = await listening({}, byClient);
  const from = randomLoopback();
  const udpAnswer = await new Promise<Buffer>((resolve, reject) => {
    const sock = createSocket("udp4");
    const timer = setTimeout(() => { sock.close(); reject(new Error("udp: no answer")); }, 2000);
    sock.on("message", (m) => { clearTimeout(timer); sock.close(); resolve(m); });
    sock.bind({ address: from, port: 0 }, () => sock.send(makeQuery("who", 1), port, address));
  });
  assert.deepEqual(decode(udpAnswer).answers.map((a) => a.data), [from]);
  const tcpFrom = randomLoopback();
  const tcpAnswer = await new Promise<Buffer>((resolve, reject) => {
    const sock = connect({ host: address, port, localAddress: tcpFrom });
    const reader = new FrameReader();
    const timer = setTimeout(() => { sock.destroy(); reject(new Error("tcp: no answer")); }, 2000);
    sock.on("error", (e) => { clearTimeout(timer); reject(e); });
    sock.on("connect", () => sock.write(frame(makeQuery("who", 1))));
    sock.on("data", (c) => {
      const got = reader.push(c);
      if (got.length > 0) { clearTimeout(timer); sock.destroy(); resolve(got[0]!); }
    });
  });
  assert.deepEqual(decode(tcpAnswer).answers.map((a) => a.data), [tcpFrom]);
  assert.deepEqual(seen, [from, tcpFrom]);
});

test("clientAddress unwraps IPv4-mapped IPv6 addresses", async () => {
  const { clientAddress } = await import("./DnsServer.js");
  assert.equal(clientAddress("::ffff:10.1.2.3"), "10.1.2.3");
  assert.equal(clientAddress("10.1.2.3"), "10.1.2.3");
  assert.equal(clientAddress("fe80::1"), "fe80::1");
  assert.equal(clientAddress(undefined), undefined);
});

test("a client's own upstreams (--dns) replace the host's for its forwarded queries; local names still answer", async () => {
  const upPort = randomPort();
  const host = await fakeUpstream(upPort);
  const own = await fakeUpstream(upPort);
  const asked: (string | undefined)[] = [];
  let ownFor = "127.0.0.1";
  const records: DnsRecords = {
    ...RECORDS,
    upstreams: (client) => {
      asked.push(client);
      return client === ownFor ? [own.address] : undefined;
    },
  };
  const { address, port } = await listening({ upstreams: () => [host.address], upstreamPort: upPort }, records);
  const d = decode((await udpAsk(address, port, makeQuery("elsewhere.example", 1)))!);
  assert.deepEqual(d.answers.map((a) => a.data), ["192.0.2.7"]);
  assert.deepEqual([own.seen.length, host.seen.length], [1, 0], "forwarded to the client's own nameserver only");
  assert.equal(asked[0], "127.0.0.1", "the records are asked with the query's source address");
  const [t] = await tcpAsk(address, port, [makeQuery("tcp.example", 1)]);
  assert.deepEqual(decode(t!).answers.map((a) => a.data), ["192.0.2.7"]);
  assert.deepEqual([own.seen.length, host.seen.length], [2, 0], "over TCP too");
  const local = decode((await udpAsk(address, port, makeQuery("web", 1)))!);
  assert.deepEqual(local.answers.map((a) => a.data), ["172.18.0.2"], "the network's names are still answered locally");
  assert.equal(own.seen.length, 2);
  // Another client (no upstreams of its own): the host's nameservers.
  ownFor = "192.0.2.99";
  await udpAsk(address, port, makeQuery("other.example", 1));
  assert.deepEqual([own.seen.length, host.seen.length], [2, 1]);
});

test("a client whose own upstream is this resolver itself falls back to the host's", async () => {
  const upPort = randomPort();
  const host = await fakeUpstream(upPort);
  const s = server({ upstreams: () => [host.address], upstreamPort: upPort, timeoutMs: 5000 });
  const address = randomLoopback();
  // Listening on the upstream port, so "its own address" is one the loop check recognises.
  await s.listen(address, upPort, { ...RECORDS, upstreams: () => [address] });
  const d = decode((await udpAsk(address, upPort, makeQuery("loop.example", 1)))!);
  assert.deepEqual(d.answers.map((a) => a.data), ["192.0.2.7"]);
  assert.equal(host.seen.length, 1);
});
