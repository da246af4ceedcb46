/** Link MTU and default-route mtu metric of a bridge network (docs/networking.md "MTU"). */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { INTERNAL_MTU, linkMtu, mtuExplicit, routeMtu } from "./mtu.js";
import { OPT_MTU } from "./bridgeOptions.js";

test("a network without the mtu option: large links, the outside MTU on the default route", () => {
  const n = { defaultBridge: false, options: {}, mtu: 1500 };
  assert.equal(mtuExplicit(n), false);
  assert.equal(linkMtu(n), INTERNAL_MTU);
  assert.equal(routeMtu(n), 1500);
  // An empty option is Docker's "not set".
  assert.equal(linkMtu({ ...n, options: { [OPT_MTU]: "" } }), INTERNAL_MTU);
});

test("a user-set mtu option is the link MTU as is, with no route metric", () => {
  const n = { defaultBridge: false, options: { [OPT_MTU]: "1400" }, mtu: 1400 };
  assert.equal(linkMtu(n), 1400);
  assert.equal(routeMtu(n), 0);
  // Even 1500 given explicitly keeps today's plain 1500 links.
  assert.equal(linkMtu({ ...n, options: { [OPT_MTU]: "1500" }, mtu: 1500 }), 1500);
});

test("the default bridge always shows the option; only --mtu (mtuExplicit) makes it the user's", () => {
  const d = { defaultBridge: true, options: { [OPT_MTU]: "1500" }, mtu: 1500 };
  assert.equal(linkMtu(d), INTERNAL_MTU);
  assert.equal(routeMtu(d), 1500);
  const set = { ...d, options: { [OPT_MTU]: "9000" }, mtu: 9000, mtuExplicit: true };
  assert.equal(linkMtu(set), 9000);
  assert.equal(routeMtu(set), 0);
});

test("the internal MTU fits a bridge and a veth and a 64 KiB frame", () => {
  assert.ok(INTERNAL_MTU <= 65535 && INTERNAL_MTU + 14 <= 65536);
});
