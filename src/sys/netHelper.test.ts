// NetHelper against a fake helper (a small node script speaking the same line protocol): request
// escaping, FIFO matching of pipelined replies, errno → EngineError kinds, restart after the
// helper dies, and that an idle helper never keeps the process alive. No root needed.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EngineError } from "../errors/EngineError.js";
import { NetHelper, netHelperError } from "./netHelper.js";

let dir: string;
let fake: string;
let log: string;

// Answers sequentially (like the real helper) and records every raw request line in $FAKE_LOG.
// Special requests: netns_create /die exits without answering; netns_create /slow answers after
// 30 ms; sysctl <k> <ERRNO> answers err with that errno; bridge_ensure garbage answers a
// malformed line; nft answers ok with the script upper-cased (escaped).
const fakeSource = `
import { appendFileSync } from "node:fs";
const esc = (s) => s.replace(/[\\\\\\n\\t]/g, (c) => (c === "\\\\" ? "\\\\\\\\" : c === "\\n" ? "\\\\n" : "\\\\t"));
const unesc = (s) => s.replace(/\\\\(.)/g, (_m, c) => (c === "n" ? "\\n" : c === "t" ? "\\t" : c));
let buf = "";
let chain = Promise.resolve();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function handle(raw) {
  appendFileSync(process.env.FAKE_LOG, raw + "\\n");
  const f = raw.split("\\t").map(unesc);
  if (f[0] === "netns_create" && f[1] === "/die") process.exit(3);
  if (f[0] === "netns_create" && f[1] === "/slow") await sleep(30);
  if (f[0] === "sysctl" && f[2].startsWith("E")) return "err\\t" + f[2] + "\\t" + esc("sysctl " + f[1] + ": failed\\twith tab");
  if (f[0] === "bridge_ensure" && f[1] === "garbage") return "what";
  if (f[0] === "nft") return "ok\\t" + esc(f[1].toUpperCase());
  return "ok";
}
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf("\\n")) >= 0) {
    const raw = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    chain = chain.then(() => handle(raw)).then((reply) => process.stdout.write(reply + "\\n"));
  }
});
`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "berth-test-nethelper-"));
  fake = join(dir, "fake-netlink.mjs");
  writeFileSync(fake, `#!${process.execPath}\n${fakeSource}`);
  chmodSync(fake, 0o755);
  log = join(dir, "log");
  process.env.FAKE_LOG = log;
});

after(() => rmSync(dir, { recursive: true, force: true }));

function loggedLines(): string[] {
  try {
    return readFileSync(log, "utf8").split("\n").filter((l) => l !== "");
  } catch {
    return [];
  }
}

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 200 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(pidAlive(pid), false, `helper ${pid} still running`);
}

test("requests are one escaped line each, fields in protocol order", async () => {
  rmSync(log, { force: true });
  const h = new NetHelper({ binary: fake });
  try {
    await h.netnsCreate("/run/x/netns/a\tb");
    await h.bridgeEnsure("br0", "10.1.0.1/24", 1500);
    await h.vethAdd({ hostName: "vb01", netnsPath: "/n/c1", ifName: "eth0", mac: "02:42:0a:01:00:02", mtu: 1450, bridge: "br0", cidr: "10.1.0.2/24", gateway: "", isolated: true });
    await h.vethAdd({ hostName: "vb02", netnsPath: "/n/c2", ifName: "eth1", mac: "", mtu: 0, bridge: "br0", cidr: "10.1.0.3/24", gateway: "10.1.0.1", isolated: false, routeMtu: 1500 });
    await h.nft("add table inet t\nadd chain inet t c\\x");
    await h.sysctl("net.ipv4.ip_forward", "1");
    await h.linkDelete("vb01");
    await h.bridgeDelete("br0");
    await h.netnsDelete("/n/c1");
    assert.deepEqual(loggedLines(), [
      "netns_create\t/run/x/netns/a\\tb",
      "bridge_ensure\tbr0\t10.1.0.1/24\t1500",
      "veth_add\tvb01\t/n/c1\teth0\t02:42:0a:01:00:02\t1450\tbr0\t10.1.0.2/24\t\t1\t",
      "veth_add\tvb02\t/n/c2\teth1\t\t0\tbr0\t10.1.0.3/24\t10.1.0.1\t0\t1500",
      "nft\tadd table inet t\\nadd chain inet t c\\\\x",
      "sysctl\tnet.ipv4.ip_forward\t1",
      "link_delete\tvb01",
      "bridge_delete\tbr0",
      "netns_delete\t/n/c1",
    ]);
    assert.equal(await h.nftOutput("list\ttables\n"), "LIST\tTABLES\n");
  } finally {
    h.close();
  }
});

test("pipelined requests get their own replies, first in first out", async () => {
  const h = new NetHelper({ binary: fake });
  try {
    const results = await Promise.allSettled([
      h.netnsCreate("/slow"),
      h.sysctl("a", "ENOENT"),
      h.nftOutput("one"),
      h.sysctl("b", "EEXIST"),
      h.netnsCreate("/slow"),
      h.nftOutput("two"),
      h.sysctl("c", "EPERM"),
    ]);
    const summary = results.map((r) => (r.status === "fulfilled" ? `ok:${r.value ?? ""}` : `${(r.reason as EngineError).kind}:${(r.reason as EngineError).detail.errno}`));
    assert.deepEqual(summary, ["ok:", "NotFound:ENOENT", "ok:ONE", "Conflict:EEXIST", "ok:", "ok:TWO", "Internal:EPERM"]);
    const e = (results[1] as PromiseRejectedResult).reason as EngineError;
    // The fake's message names op and object itself: it is not repeated; tabs survive escaping.
    assert.equal(e.message, "netlink helper: sysctl a: failed\twith tab");
  } finally {
    h.close();
  }
});

test("errno names map to error kinds, and the message names op and object", () => {
  const cases: [string, string][] = [
    ["ENOENT", "NotFound"], ["ENODEV", "NotFound"], ["EEXIST", "Conflict"], ["EADDRINUSE", "Conflict"], ["EBUSY", "Conflict"],
    ["EINVAL", "InvalidArgument"], ["ERANGE", "InvalidArgument"], ["EPERM", "Internal"], ["ENOTCONN", "Internal"], ["E999", "Internal"],
  ];
  for (const [errno, kind] of cases) {
    const e = netHelperError("link_delete", "vb1", errno, "link_delete vb1: boom");
    assert.ok(e instanceof EngineError);
    assert.equal(e.kind, kind, errno);
    assert.deepEqual(e.detail, { errno, op: "link_delete", object: "vb1" });
    assert.equal(e.message, "netlink helper: link_delete vb1: boom");
  }
  assert.equal(netHelperError("veth_add", "vb2", "EINVAL", "request: unknown operation").message, "netlink helper: veth_add vb2: request: unknown operation");
  assert.equal(netHelperError("nft", "", "EINVAL", "nft: Error: syntax error").message, "netlink helper: nft: Error: syntax error");
});

test("a helper that dies fails the requests it had not answered, and the next request starts a new one", async () => {
  const h = new NetHelper({ binary: fake });
  try {
    await h.sysctl("x", "1");
    const first = h.pid!;
    const dying = h.netnsCreate("/die");
    const queued = h.nft("after death");
    await assert.rejects(dying, (e: EngineError) => e.kind === "Unavailable" && /^netlink helper: netns_create \/die: helper exited with status 3$/.test(e.message));
    await assert.rejects(queued, (e: EngineError) => e.kind === "Unavailable" && e.message.startsWith("netlink helper: nft: helper exited"));
    await h.sysctl("y", "1");
    assert.notEqual(h.pid, first);
    await waitGone(first);
  } finally {
    h.close();
  }
});

test("a malformed reply fails that request and replaces the out-of-step helper", async () => {
  const h = new NetHelper({ binary: fake });
  try {
    await h.sysctl("x", "1");
    const first = h.pid!;
    await assert.rejects(h.bridgeEnsure("garbage", "10.0.0.1/24", 0), (e: EngineError) => e.kind === "Internal" && /malformed reply "what"/.test(e.message));
    await waitGone(first);
    await h.sysctl("y", "1");
    assert.notEqual(h.pid, first);
  } finally {
    h.close();
  }
});

test("a missing binary rejects with Unavailable naming it", async () => {
  const h = new NetHelper({ binary: join(dir, "no-such-helper") });
  await assert.rejects(h.linkDelete("vb1"), (e: EngineError) => e.kind === "Unavailable" && e.message.includes(`cannot run ${join(dir, "no-such-helper")}`));
  h.close();
});

test("a field with a NUL byte is refused before anything is sent", async () => {
  rmSync(log, { force: true });
  const h = new NetHelper({ binary: fake });
  await assert.rejects(h.linkDelete("vb\0x"), (e: EngineError) => e.kind === "InvalidArgument");
  assert.equal(h.pid, undefined);
  assert.deepEqual(loggedLines(), []);
  h.close();
});

test("close() lets the helper answer what it was sent, then it exits", async () => {
  const h = new NetHelper({ binary: fake });
  const p1 = h.netnsCreate("/slow");
  const p2 = h.nftOutput("last");
  const pid = h.pid!;
  h.close();
  await p1;
  assert.equal(await p2, "LAST");
  await waitGone(pid);
});

test("an idle helper does not keep the process alive", async () => {
  // A child node process makes a request, gets its answer and must then exit on its own.
  const script = join(dir, "idle.mjs");
  const modUrl = new URL("./netHelper.js", import.meta.url).href;
  writeFileSync(script, `import { NetHelper } from ${JSON.stringify(modUrl)};\nconst h = new NetHelper({ binary: ${JSON.stringify(fake)} });\nawait h.sysctl("k", "v");\nconsole.log("done", h.pid);\n`);
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("process kept alive by the idle helper"));
    }, 5000);
    child.on("exit", (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
  assert.equal(code, 0);
  const m = /^done (\d+)$/m.exec(out);
  assert.ok(m, out);
  // Its helper sees EOF on stdin and goes too.
  await waitGone(Number(m[1]));
});
