/**
 * moby#22054 with the real docker CLI: a port published through berth's userland proxy is a
 * local socket, so the host's INPUT policy applies to it. The test installs its own nft table
 * (random name, removed in finally) whose input hook drops one port on the host-side address
 * of "another host" (a netns of our own); that host then cannot reach a container published on
 * that port, while another published port of the same container stays reachable. With
 * `berthd --userland-proxy=false` (the opt-in) the kernel DNAT path bypasses INPUT, exactly as
 * Docker's does, and the same port is reachable.
 */
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { daemonSkipReason, startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { eventually, freePort, httpd, otherHost, token, withDaemon, type OtherHost } from "./network-support.js";

const skip = daemonSkipReason() ?? false;

/** Installs `table inet <name>` dropping tcp to addr:port at the input hook (the host's policy). */
function dropInput(name: string, addr: string, port: number): void {
  const script = `table inet ${name} {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tip daddr ${addr} tcp dport ${port} drop\n\t}\n}\n`;
  const r = spawnSync("nft", ["-f", "-"], { input: script, encoding: "utf8" });
  assert.equal(r.status, 0, `nft: ${r.stderr}`);
}

/** One HTTP GET from the other host, given up after 3 s (a dropped SYN would wait minutes). */
function fetchFromOther(other: OtherHost, port: number): Promise<{ code: number; out: string }> {
  return other.busybox(["timeout", "3", "/bin/busybox", "wget", "-qO-", `http://${other.hostIp}:${port}/`]);
}

async function reachable(other: OtherHost, port: number): Promise<string> {
  return eventually(async () => {
    const r = await fetchFromOther(other, port);
    if (r.code !== 0) throw new Error(`wget :${port} from the other host: ${r.out}`);
    return r.out.trim();
  });
}

test("moby#22054: the host's INPUT drop applies to a port published through the userland proxy", { skip }, async () => {
  const other = otherHost();
  const table = `berth_test_${randomBytes(4).toString("hex")}`;
  try {
    const [blocked, open] = [await freePort(), await freePort()];
    dropInput(table, other.hostIp, blocked);
    await withDaemon(async (d) => {
      const text = token();
      const id = await d.ok(["run", "-d", "-p", `${other.hostIp}:${blocked}:80`, "-p", `${other.hostIp}:${open}:80`, "busybox", ...httpd(text)]);
      // The path works: the port the host's policy leaves alone is served.
      assert.equal(await reachable(other, open), text);
      const r = await fetchFromOther(other, blocked);
      assert.notEqual(r.code, 0, `the INPUT drop must apply to the proxied port, got: ${r.out}`);
      await d.ok(["rm", "-f", id]);
    });
  } finally {
    spawnSync("nft", ["delete", "table", "inet", table], { stdio: "ignore" });
    other.remove();
  }
});

// Forwarded (DNAT) traffic needs the host's ip_forward, which the test daemons leave alone.
const forwarding = (() => {
  try {
    return readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim() === "1";
  } catch {
    return false;
  }
})();

test("--userland-proxy=false is the opt-in that bypasses INPUT (kernel DNAT, as Docker's)", { skip: skip || (!forwarding && "needs net.ipv4.ip_forward=1 on the host") }, async () => {
  const other = otherHost();
  const table = `berth_test_${randomBytes(4).toString("hex")}`;
  let d: TestDaemon | undefined;
  try {
    const port = await freePort();
    dropInput(table, other.hostIp, port);
    d = await startTestDaemon({ args: ["--userland-proxy=false"] });
    const text = token();
    const id = await d.ok(["run", "-d", "-p", `${other.hostIp}:${port}:80`, "busybox", ...httpd(text)]);
    assert.equal(await reachable(other, port), text, "DNAT never reaches the input hook");
    await d.ok(["rm", "-f", id]);
    const left = await d.cleanup();
    d = undefined;
    assert.deepEqual(left, []);
  } finally {
    if (d) await d.cleanup();
    spawnSync("nft", ["delete", "table", "inet", table], { stdio: "ignore" });
    other.remove();
  }
});
