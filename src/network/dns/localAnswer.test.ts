import { test } from "node:test";
import { strict as assert } from "node:assert";
import { answerLocally, normalizeName, type DnsRecords } from "./localAnswer.js";
import { parseQuery, type DnsQuery } from "./wire.js";
import { makeQuery } from "./testPackets.js";

const records: DnsRecords = {
  lookup: (n) => ({ web: ["172.18.0.2"], both: ["172.18.0.2", "172.18.0.3", "172.18.0.4"] } as Record<string, string[]>)[n] ?? [],
  reverse: (ip) => (ip === "172.18.0.2" ? "web.mynet" : undefined),
};

function q(name: string, type: number): DnsQuery {
  const r = parseQuery(makeQuery(name, type));
  if (r.kind !== "query") throw new Error("test query did not parse");
  return r.query;
}

test("normalizeName lowercases and drops one trailing dot", () => {
  assert.equal(normalizeName("WeB.Net."), "web.net");
  assert.equal(normalizeName("web"), "web");
});

test("known names get A answers, rotated; AAAA gets NODATA; PTR its name", () => {
  assert.deepEqual(answerLocally(q("WEB", 1), records, 5), { kind: "answer", rcode: 0, answers: [{ type: 1, address: "172.18.0.2" }] });
  const order = (rot: number) => {
    const d = answerLocally(q("both", 1), records, rot);
    return d.kind === "answer" ? d.answers.map((a) => (a.type === 1 ? a.address : "")) : [];
  };
  assert.deepEqual(order(0), ["172.18.0.2", "172.18.0.3", "172.18.0.4"]);
  assert.deepEqual(order(1), ["172.18.0.3", "172.18.0.4", "172.18.0.2"]);
  assert.deepEqual(order(5), ["172.18.0.4", "172.18.0.2", "172.18.0.3"]);
  assert.deepEqual(answerLocally(q("web", 28), records, 0), { kind: "answer", rcode: 0, answers: [] });
  assert.deepEqual(answerLocally(q("2.0.18.172.in-addr.arpa", 12), records, 0), { kind: "answer", rcode: 0, answers: [{ type: 12, target: "web.mynet" }] });
});

test("everything else is forwarded", () => {
  for (const [name, type] of [["unknown", 1], ["unknown", 28], ["3.0.18.172.in-addr.arpa", 12], ["web", 16], ["web", 15], ["", 1]] as const) {
    assert.deepEqual(answerLocally(q(name, type), records, 0), { kind: "forward" }, `${name}/${type}`);
  }
  assert.deepEqual(answerLocally(q("web", 1), null, 0), { kind: "forward" });
});

test("the client address reaches the records", () => {
  const seen: (string | undefined)[] = [];
  const r: DnsRecords = {
    lookup: (n, client) => { seen.push(client); return n === "web" ? ["172.18.0.2"] : []; },
    reverse: (_ip, client) => { seen.push(client); return "web.mynet"; },
  };
  answerLocally(q("web", 1), r, 0, "172.18.0.5");
  answerLocally(q("web", 28), r, 0, "172.18.0.6");
  answerLocally(q("2.0.18.172.in-addr.arpa", 12), r, 0, "172.18.0.7");
  answerLocally(q("web", 1), r, 0);
  assert.deepEqual(seen, ["172.18.0.5", "172.18.0.6", "172.18.0.7", undefined]);
});
