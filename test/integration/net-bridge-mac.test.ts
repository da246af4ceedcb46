/**
 * A berth bridge keeps the MAC it was created with while containers come and go. A bridge made
 * without one follows its lowest port MAC, so attaching or detaching a container changed the
 * gateway's MAC under the others: their ARP entries went stale and DNS to the gateway timed out
 * for seconds (network-links failed about one run in three before the fix).
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { daemonSkipReason } from "../helpers/daemon.js";
import { token, withDaemon } from "../e2e/network-support.js";

const skip = daemonSkipReason() ?? false;
const sysfs = (dev: string, attr: string) => readFileSync(`/sys/class/net/${dev}/${attr}`, "utf8").trim();

test("bridge MAC: set at creation (addr_assign_type 3) and unchanged as containers attach and detach", { skip }, async () => {
  await withDaemon(async (d) => {
    const net = `${token()}-net`;
    const [a, b, c] = d.pool.split("/")[0]!.split(".").map(Number);
    const id = await d.ok(["network", "create", "--subnet", `${a}.${b}.${c! + 1}.0/24`, net]);
    const bridge = `br-${id.slice(0, 12)}`;
    for (const dev of [bridge, d.bridge]) {
      // Before any container: the default bridge exists at daemon start, the user one on create.
      assert.equal(sysfs(dev, "addr_assign_type"), "3", `${dev}: its MAC is set, not inherited from ports`);
    }
    const before = sysfs(bridge, "address");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(await d.ok(["run", "-d", "--network", net, "busybox", "sleep", "300"]));
      assert.equal(sysfs(bridge, "address"), before, `after attaching container ${i + 1}`);
    }
    for (const cid of ids) {
      await d.ok(["rm", "-f", cid]);
      assert.equal(sysfs(bridge, "address"), before, "after a container left");
    }
    await d.ok(["network", "rm", net]);
  });
});
