import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes, randomInt } from "node:crypto";
import { DnsServer, type DnsRecords } from "../../src/network/dns/DnsServer.js";
import { FakeUpstream, UPSTREAM_ANSWER } from "../../src/network/dns/testUpstream.js";
import { containerResolvConf } from "../../src/network/dns/resolvConf.js";

/**
 * The path containers use: a bridge with berthd's resolver on its gateway address, port 53,
 * and a client in a network namespace behind a veth on that bridge, asking with busybox
 * nslookup. Upstream is a fake nameserver on a loopback address of the host's netns (as a
 * host resolver like systemd-resolved would be). Bridge, veth, netns and sockets are this
 * test's own, randomly named, and removed in `after` whatever happened.
 */
const skip =
  process.getuid?.() !== 0 ? "needs root to create a bridge, a veth and a network namespace"
  : !existsSync("/bin/busybox") ? "needs /bin/busybox (busybox-static) for nslookup"
  : false;

// Interface names are at most 15 bytes: "berth-test" + 4 hex + a role letter.
const SUFFIX = randomBytes(2).toString("hex");
const BRIDGE = `berth-test${SUFFIX}b`;
const VETH = `berth-test${SUFFIX}v`;
const NETNS = `berth-test-dns-${randomBytes(4).toString("hex")}`;

let prefix = ""; // "10.2xx.yy"
let gateway = "";
let server: DnsServer | undefined;
let upstream: FakeUpstream | undefined;
let tmp: string | undefined;

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, out: stdout + stderr });
    });
  });
}

async function ip(...args: string[]): Promise<string> {
  const r = await run("ip", args);
  if (r.code !== 0) throw new Error(`ip ${args.join(" ")}: ${r.out.trim()}`);
  return r.out;
}

async function freePrefix(): Promise<string> {
  const used = await ip("-o", "-4", "addr");
  const routes = await ip("-4", "route");
  for (let i = 0; i < 50; i++) {
    const p = `10.${randomInt(200, 208)}.${randomInt(0, 256)}`;
    if (!used.includes(` ${p}.`) && !routes.includes(`${p}.`)) return p;
  }
  throw new Error("no free 10.200.0.0/13 /24 found");
}

const nslookup = (...args: string[]) => run("ip", ["netns", "exec", NETNS, "/bin/busybox", "nslookup", ...args]);

before(async () => {
  if (skip) return;
  prefix = await freePrefix();
  gateway = `${prefix}.1`;
  await ip("link", "add", BRIDGE, "type", "bridge");
  await ip("addr", "add", `${gateway}/24`, "dev", BRIDGE);
  await ip("link", "set", BRIDGE, "up");
  await ip("netns", "add", NETNS);
  await ip("link", "add", VETH, "type", "veth", "peer", "name", "eth0", "netns", NETNS);
  await ip("link", "set", VETH, "master", BRIDGE, "up");
  await ip("-n", NETNS, "link", "set", "lo", "up");
  await ip("-n", NETNS, "addr", "add", `${prefix}.2/24`, "dev", "eth0");
  await ip("-n", NETNS, "link", "set", "eth0", "up");

  const upPort = randomInt(20000, 60000);
  upstream = await new FakeUpstream(`127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`, upPort).start();
  const records: DnsRecords = {
    lookup: (n) => ({ web: [`${prefix}.2`], "web.mynet": [`${prefix}.2`], shared: [`${prefix}.2`, `${prefix}.3`] } as Record<string, string[]>)[n] ?? [],
    reverse: (a) => (a === `${prefix}.2` ? "web.mynet" : undefined),
  };
  const up = upstream;
  server = new DnsServer({ upstreams: () => [up.address], upstreamPort: upPort });
  await server.listen(gateway, 53, records);
});

after(async () => {
  if (skip) return;
  const errors: string[] = [];
  await server?.close().catch((e: Error) => errors.push(e.message));
  await upstream?.close().catch((e: Error) => errors.push(e.message));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  // Deleting the netns destroys eth0 and with it the host end; delete both explicitly anyway.
  for (const args of [["netns", "del", NETNS], ["link", "del", VETH], ["link", "del", BRIDGE]]) await run("ip", args);
  const links = await run("ip", ["-o", "link"]);
  const netns = await run("ip", ["netns", "list"]);
  if (links.out.includes(BRIDGE) || links.out.includes(VETH)) errors.push(`leftover link ${BRIDGE}/${VETH}`);
  if (netns.out.includes(NETNS)) errors.push(`leftover netns ${NETNS}`);
  assert.deepEqual(errors, []);
});

/** busybox prints the answers after the server block as "Name:\t..." / "Address: ..." lines. */
function answeredAddresses(out: string): string[] {
  const afterServer = out.split(/\n\s*\n/).slice(1).join("\n");
  return [...afterServer.matchAll(/Address:?\s+(\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!);
}

test("a container resolves another container's name through the gateway", { skip }, async () => {
  const r = await nslookup("web", gateway);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(answeredAddresses(r.out), [`${prefix}.2`], r.out);
  const upper = await nslookup("WEB.MyNet.", gateway);
  assert.equal(upper.code, 0, upper.out);
  assert.deepEqual(answeredAddresses(upper.out), [`${prefix}.2`], upper.out);
});

test("a shared alias answers both addresses", { skip }, async () => {
  const r = await nslookup("shared", gateway);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(answeredAddresses(r.out).sort(), [`${prefix}.2`, `${prefix}.3`], r.out);
});

test("reverse lookup of a container address gives its name", { skip }, async () => {
  const r = await nslookup(`${prefix}.2`, gateway);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /name = web\.mynet/, r.out);
});

test("other names are forwarded to the host's (loopback) nameserver", { skip }, async () => {
  const before = upstream!.seen.length;
  const r = await nslookup("elsewhere.example", gateway);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(answeredAddresses(r.out), [UPSTREAM_ANSWER], r.out);
  assert.ok(upstream!.seen.slice(before).some((s) => s.name === "elsewhere.example" && s.type === 1));
  // Local names never reach the upstream.
  assert.ok(!upstream!.seen.some((s) => s.name.toLowerCase() === "web"));
});

test("with the container's resolv.conf, the plain lookup path reaches the resolver", { skip }, async () => {
  tmp = mkdtempSync(join(tmpdir(), "berth-test-dns-"));
  const conf = join(tmp, "resolv.conf");
  writeFileSync(conf, containerResolvConf({ search: [], options: [] }, gateway));
  // `ip netns exec` runs in a private mount namespace (slave of the host's), so this bind mount
  // is seen by this one command only.
  const script = `mount --bind ${conf} /etc/resolv.conf && exec /bin/busybox nslookup web`;
  const r = await run("ip", ["netns", "exec", NETNS, "/bin/busybox", "sh", "-c", script]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, new RegExp(`Server:\\s+${gateway.replace(/\./g, "\\.")}`), r.out);
  assert.deepEqual(answeredAddresses(r.out), [`${prefix}.2`], r.out);
});
