import { test } from "node:test";
import { strict as assert } from "node:assert";
import { EventBus } from "./EventBus.js";

async function take<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) {
    out.push(x);
    if (out.length === n) break;
  }
  return out;
}

test("events have Docker's shape and reach filtered live subscribers", async () => {
  const bus = new EventBus();
  const ac = new AbortController();
  const it = bus.subscribe({ filters: new Map([["event", new Set(["die"])], ["container", new Set(["web"])]]) }, ac.signal);
  const got = take(it, 1);
  bus.publish({ Type: "container", Action: "start", id: "c1", attributes: { name: "web", image: "busybox" } });
  bus.publish({ Type: "container", Action: "die", id: "c2", attributes: { name: "other" } });
  bus.publish({ Type: "container", Action: "die", id: "c1", attributes: { name: "web", image: "busybox", exitCode: "0" } });
  const [e] = await got;
  assert.equal(e.Action, "die");
  assert.equal(e.Type, "container");
  assert.deepEqual(e.Actor, { ID: "c1", Attributes: { name: "web", image: "busybox", exitCode: "0" } });
  assert.equal(e.scope, "local");
  assert.equal(e.status, "die");
  assert.equal(e.from, "busybox");
  assert.equal(Math.floor(e.timeNano / 1e9), e.time);
  ac.abort();
});

test("since replays from the ring; until ends the stream; abort ends it", async () => {
  const bus = new EventBus(2);
  const t0 = (Date.now() / 1000 - 1).toFixed(3);
  bus.publish({ Type: "container", Action: "create", id: "a" });
  bus.publish({ Type: "container", Action: "start", id: "a" });
  bus.publish({ Type: "container", Action: "die", id: "a" });
  const until = (Date.now() / 1000 + 0.05).toFixed(3);
  const all = [];
  for await (const e of bus.subscribe({ since: t0, until }, new AbortController().signal)) all.push(e.Action);
  assert.deepEqual(all, ["start", "die"], "the ring keeps the last 2, until stops the stream");
  const ac = new AbortController();
  const it = bus.subscribe({}, ac.signal);
  setTimeout(() => ac.abort(), 10);
  assert.deepEqual(await take(it, 5), []);
  assert.throws(() => bus.subscribe({ filters: new Map([["colour", new Set(["red"])]]) }, ac.signal), /invalid filter 'colour'/);
});
