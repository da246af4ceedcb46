// berth-proxy end to end (root): a network namespace stands in for a container, joined to the
// host by a veth pair on a random 10.20x.y.z/30; echo servers run inside it, the proxy on the
// host forwards to them. Every netns, link and process is removed in `after`.
import { test, before, after } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isEngineError } from "../../src/errors/EngineError.js";
import type { PortMapping } from "../../src/network/ports/portSpec.js";
import { defaultProxyPath, proxyAlive, startProxy, stopProxy, type ProxyHandle } from "../../src/network/ports/proxyProcess.js";

const skip =
  process.getuid?.() !== 0 ? "needs root for a network namespace and veth pair"
  : !existsSync(defaultProxyPath()) ? `berth-proxy not built (${defaultProxyPath()}); run make -C native build/berth-proxy`
  : false;

const suffix = randomBytes(3).toString("hex");
const NS = `berth-test-px-${suffix}`;
const HOST_IF = `btpx${suffix}`;
const PEER_IF = `btpy${suffix}`;
// A random /30 in 10.200.0.0/13: .1 on the host, .2 in the namespace (the "container").
const NET = `10.${200 + Math.floor(Math.random() * 8)}.${Math.floor(Math.random() * 256)}`;
const BASE = 4 * Math.floor(Math.random() * 63);
const HOST_IP = `${NET}.${BASE + 1}`;
const CT_IP = `${NET}.${BASE + 2}`;
const ECHO_PORT = 7007;
const CLOSED_PORT = 7008;

const tmp = mkdtempSync(join(tmpdir(), "berth-test-proxy-"));
const children: ChildProcess[] = [];
const handles: ProxyHandle[] = [];
const servers: Server[] = [];

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"] }).toString();

// TCP: echoes, and after the client's half-close sends a trailer with the hash of what it got
// (so bytes sent after our FIN prove the half-close). UDP: echoes with the sender's address.
const SERVER = `
import { createServer } from "node:net";
import { createSocket } from "node:dgram";
import { createHash } from "node:crypto";
const [host, port] = [process.argv[2], Number(process.argv[3])];
const tcp = createServer({ allowHalfOpen: true }, (s) => {
  const h = createHash("sha256"); let n = 0;
  s.on("data", (d) => { h.update(d); n += d.length; if (!s.write(d)) { s.pause(); s.once("drain", () => s.resume()); } });
  s.on("end", () => s.end("\\nEND " + h.digest("hex") + " " + n));
  s.on("error", () => {});
});
const udp = createSocket("udp4");
udp.on("message", (m, r) => udp.send(Buffer.concat([m, Buffer.from(" from " + r.address + ":" + r.port)]), r.port, r.address));
let up = 0;
const ready = () => { if (++up === 2) process.stdout.write("listening\\n"); };
tcp.listen(port, host, ready);
udp.bind(port, host, ready);
`;

function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].startsWith("Z");
  } catch {
    return true;
  }
}

before(async () => {
  if (skip) return;
  ip("netns", "add", NS);
  ip("link", "add", HOST_IF, "type", "veth", "peer", "name", PEER_IF, "netns", NS);
  ip("addr", "add", `${HOST_IP}/30`, "dev", HOST_IF);
  ip("link", "set", HOST_IF, "up");
  ip("-n", NS, "addr", "add", `${CT_IP}/30`, "dev", PEER_IF);
  ip("-n", NS, "link", "set", PEER_IF, "up");
  ip("-n", NS, "link", "set", "lo", "up");
  const script = join(tmp, "echo-server.mjs");
  writeFileSync(script, SERVER);
  const srv = spawn("ip", ["netns", "exec", NS, process.execPath, script, CT_IP, String(ECHO_PORT)], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(srv);
  await new Promise<void>((res, rej) => {
    srv.stdout!.once("data", () => res());
    srv.once("exit", (c) => rej(new Error(`echo server exited (${c})`)));
  });
});

after(async () => {
  const errors: string[] = [];
  for (const h of handles) await stopProxy(h).catch((e) => errors.push(String(e)));
  for (const s of servers) s.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  if (!skip) {
    try { ip("netns", "del", NS); } catch (e) { errors.push(String(e)); }
    try { ip("link", "del", HOST_IF); } catch { /* went with the namespace's peer */ }
    assert.equal(ip("netns", "list").includes(NS), false, `leftover netns ${NS}`);
    assert.equal(ip("link", "show").includes(HOST_IF), false, `leftover link ${HOST_IF}`);
  }
  rmSync(tmp, { recursive: true, force: true });
  for (const h of handles) assert.ok(gone(h.pid), `proxy ${h.pid} still running`);
  assert.deepEqual(errors, []);
});

const tcp = (hostIp: string, hostPort: string, containerPort = ECHO_PORT): PortMapping => ({ proto: "tcp", hostIp, hostPort, containerIp: CT_IP, containerPort });
const udp = (hostIp: string, hostPort: string): PortMapping => ({ proto: "udp", hostIp, hostPort, containerIp: CT_IP, containerPort: ECHO_PORT });

async function start(mappings: PortMapping[]): Promise<ProxyHandle> {
  const h = await startProxy({ mappings });
  handles.push(h);
  return h;
}

/** Sends `payload`, half-closes, returns everything received until the server's end. */
function exchange(port: number, payload: Buffer, host = "127.0.0.1"): Promise<Buffer> {
  return new Promise((res, rej) => {
    const c = connect({ port, host, allowHalfOpen: true });
    const parts: Buffer[] = [];
    c.on("data", (d: Buffer) => parts.push(d));
    c.on("end", () => { c.end(); res(Buffer.concat(parts)); });
    c.on("error", rej);
    c.on("connect", () => c.end(payload));
  });
}

/** A port on `host` that nobody uses right now (bind and release). */
async function freePort(host = "127.0.0.1"): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, host, r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

async function isFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  const s = createServer();
  return new Promise((res) => {
    s.once("error", () => res(false));
    s.listen(port, host, () => s.close(() => res(true)));
  });
}

async function occupy(port: number, host = "127.0.0.1"): Promise<Server | undefined> {
  const s = createServer();
  return new Promise((res) => {
    s.once("error", () => res(undefined));
    s.listen(port, host, () => { servers.push(s); res(s); });
  });
}

test("net-proxy: 10 MiB through TCP both ways, byte-exact, with the client's half-close", { skip }, async () => {
  const h = await start([tcp("127.0.0.1", "0")]);
  const fds = () => readdirSync(`/proc/${h.pid}/fd`).length;
  const idleFds = fds();
  assert.equal(h.bound[0].hostIp, "127.0.0.1");
  assert.ok(h.bound[0].hostPort > 0, "port 0 reports the port the kernel chose");
  const payload = randomBytes(10 * 1024 * 1024);
  const got = await exchange(h.bound[0].hostPort, payload);
  const trailer = `\nEND ${createHash("sha256").update(payload).digest("hex")} ${payload.length}`;
  assert.equal(got.length, payload.length + trailer.length);
  assert.ok(got.subarray(0, payload.length).equals(payload), "echoed bytes differ");
  assert.equal(got.subarray(payload.length).toString(), trailer, "answer after the half-close");
  // Several connections at once are independent.
  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => exchange(h.bound[0].hostPort, Buffer.from(`conn ${i}`))));
  many.forEach((b, i) => assert.ok(b.toString().startsWith(`conn ${i}\nEND `)));
  // Every finished connection gave back its sockets and pipes.
  const until = Date.now() + 3000;
  while (fds() !== idleFds && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  assert.equal(fds(), idleFds, "fds of finished connections were closed");
});

test("net-proxy: a refused container port closes the client's connection", { skip }, async () => {
  const h = await start([tcp("127.0.0.1", "0", CLOSED_PORT)]);
  const outcome = await new Promise<string>((res) => {
    const c = connect(h.bound[0].hostPort, "127.0.0.1");
    let data = "";
    c.on("data", (d) => (data += d));
    c.on("error", (e: NodeJS.ErrnoException) => res(e.code ?? "error"));
    c.on("close", () => res(`closed:${data}`));
  });
  assert.ok(outcome === "ECONNRESET" || outcome === "closed:", outcome);
});

test("net-proxy: UDP from two clients, each gets its own flow and its own answers", { skip }, async () => {
  const h = await start([udp("127.0.0.1", "0"), udp("0.0.0.0", "0")]);
  const port = h.bound[0].hostPort;
  const ask = async (s: UdpSocket, msg: string, to: string, toPort: number): Promise<{ text: string; from: string }> => {
    return new Promise((res, rej) => {
      const timer = setInterval(() => s.send(msg, toPort, to), 200); // UDP: resend until answered
      const fail = setTimeout(() => { clearInterval(timer); rej(new Error(`no UDP answer to ${msg}`)); }, 5000);
      s.once("message", (m, r) => { clearInterval(timer); clearTimeout(fail); res({ text: m.toString(), from: r.address }); });
      s.send(msg, toPort, to);
    });
  };
  const a = createSocket("udp4");
  const b = createSocket("udp4");
  try {
    await Promise.all([new Promise<void>((r) => a.bind(0, "127.0.0.1", r)), new Promise<void>((r) => b.bind(0, "127.0.0.1", r))]);
    const ra = await ask(a, "hello-a", "127.0.0.1", port);
    const rb = await ask(b, "hello-b", "127.0.0.1", port);
    const ra2 = await ask(a, "again-a", "127.0.0.1", port);
    assert.match(ra.text, new RegExp(`^hello-a from ${HOST_IP.replace(/\./g, "\\.")}:\\d+$`));
    assert.match(rb.text, /^hello-b from /);
    const seenPort = (t: string) => t.split(":").pop();
    assert.notEqual(seenPort(ra.text), seenPort(rb.text), "two clients must be two flows");
    assert.equal(seenPort(ra.text), seenPort(ra2.text), "one client keeps its flow");
    // On 0.0.0.0 the answer leaves from the address the client talked to (IP_PKTINFO), here
    // the veth's host address even though the client sits on 127.0.0.1.
    const rc = await ask(a, "via-veth", HOST_IP, h.bound[1].hostPort);
    assert.match(rc.text, /^via-veth from /);
    assert.equal(rc.from, HOST_IP);
  } finally {
    a.close();
    b.close();
  }
});

test("net-proxy: a host range takes its first free port", { skip }, async () => {
  const first = await freePort();
  assert.ok(await occupy(first), "could not occupy a port");
  // Other tests may hold ports too: the expectation is the first one free right now.
  let expected = 0;
  for (let p = first + 1; p <= Math.min(first + 10, 65535) && expected === 0; p++) if (await isFree(p)) expected = p;
  assert.ok(expected > 0);
  const h = await start([tcp("127.0.0.1", `${first}-${first + 10}`)]);
  assert.equal(h.bound[0].hostPort, expected);
  const got = await exchange(expected, Buffer.from("range"));
  assert.ok(got.toString().startsWith("range\nEND "));
});

test("net-proxy: a port in use is Docker's Conflict, and nothing stays bound or running", { skip }, async () => {
  const taken = await freePort();
  assert.ok(await occupy(taken));
  const other = await freePort();
  let pid = 0;
  await assert.rejects(start([tcp("127.0.0.1", String(other)), tcp("127.0.0.1", String(taken))]), (e: unknown) => {
    assert.ok(isEngineError(e, "Conflict"), String(e));
    assert.equal(e.message, `Bind for 127.0.0.1:${taken} failed: port is already allocated`);
    pid = e.detail.pid as number;
    return true;
  });
  assert.ok(pid > 0 && gone(pid), "the failed proxy is gone");
  // The mapping that did bind before the conflict was released.
  const s = await occupy(other);
  assert.ok(s, `port ${other} stayed bound`);
  // A range with every port in use is a Conflict too (taken + 1 is ours, or someone else's).
  await occupy(taken + 1);
  await assert.rejects(start([tcp("127.0.0.1", `${taken}-${taken + 1}`)]), (e: unknown) => {
    assert.ok(isEngineError(e, "Conflict"), String(e));
    assert.equal(e.message, `Bind for 127.0.0.1:${taken}-${taken + 1} failed: port is already allocated`);
    assert.ok(gone(e.detail.pid as number));
    return true;
  });
});

test("net-proxy: a listener on 127.0.0.1 is not reachable on another local address", { skip }, async () => {
  const h = await start([tcp("127.0.0.1", "0"), tcp("0.0.0.0", "0")]);
  const code = await new Promise<string>((res) => {
    const c = connect(h.bound[0].hostPort, HOST_IP);
    c.on("connect", () => { c.destroy(); res("connected"); });
    c.on("error", (e: NodeJS.ErrnoException) => res(e.code ?? "error"));
  });
  assert.equal(code, "ECONNREFUSED");
  // While 0.0.0.0 answers on the veth's host address as well.
  const got = await exchange(h.bound[1].hostPort, Buffer.from("any"), HOST_IP);
  assert.ok(got.toString().startsWith("any\nEND "));
});

test("net-proxy: stopProxy ends the proxy and frees its port", { skip }, async () => {
  const h = await start([tcp("127.0.0.1", "0"), udp("127.0.0.1", "0")]);
  assert.equal(await proxyAlive(h), true);
  // A hangup (the daemon's terminal going away) does not end it.
  process.kill(h.pid, "SIGHUP");
  const got = await exchange(h.bound[0].hostPort, Buffer.from("after hup"));
  assert.ok(got.toString().startsWith("after hup\nEND "));
  assert.equal(await proxyAlive(h), true);
  await stopProxy(h);
  assert.equal(await proxyAlive(h), false);
  assert.ok(gone(h.pid));
  const again = await startProxy({ mappings: [tcp("127.0.0.1", String(h.bound[0].hostPort)), udp("127.0.0.1", String(h.bound[1].hostPort))] });
  handles.push(again);
  assert.deepEqual(again.bound.map((b) => b.hostPort), h.bound.map((b) => b.hostPort));
  await stopProxy(again);
});

test("net-proxy: the proxy outlives the process that started it", { skip }, async () => {
  const mod = join(dirname(fileURLToPath(import.meta.url)), "../../src/network/ports/proxyProcess.js");
  const code = `
    import { startProxy } from ${JSON.stringify(mod)};
    const h = await startProxy({ mappings: [${JSON.stringify(tcp("127.0.0.1", "0"))}] });
    process.stdout.write(JSON.stringify(h));
  `;
  // The parent exits on its own once it has the handle: the proxy must not keep it alive.
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { timeout: 10000 }).toString();
  const h = JSON.parse(out) as ProxyHandle;
  handles.push(h);
  assert.equal(await proxyAlive(h), true);
  const got = await exchange(h.bound[0].hostPort, Buffer.from("orphan"));
  assert.ok(got.toString().startsWith("orphan\nEND "));
  await stopProxy(h);
  assert.equal(await proxyAlive(h), false);
});

test("net-proxy: idle UDP flows expire (--udp-idle-ms) and their sockets are closed", { skip }, async () => {
  // Run the helper directly: without --ready-fd it reports on stdout.
  const p = spawn(defaultProxyPath(), ["--udp-idle-ms", "200", `udp:127.0.0.1:0:${CT_IP}:${ECHO_PORT}`], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(p);
  const report = await new Promise<string>((res, rej) => {
    let text = "";
    p.stdout!.on("data", (d) => { text += d; if (text.endsWith("ready\n")) res(text); });
    p.once("exit", (c) => rej(new Error(`berth-proxy exited ${c}: ${text}`)));
  });
  const port = Number(report.split("\n")[0].split("\t")[3]);
  const fds = () => readdirSync(`/proc/${p.pid}/fd`).length;
  const before = fds();
  const s = createSocket("udp4");
  try {
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", r));
    const ask = (msg: string) => new Promise<string>((res, rej) => {
      const t = setTimeout(() => rej(new Error("no UDP answer")), 3000);
      s.once("message", (m) => { clearTimeout(t); res(m.toString()); });
      s.send(msg, port, "127.0.0.1");
    });
    const first = await ask("one");
    assert.equal(fds(), before + 1, "one flow socket");
    // The loop checks expiry once a second: wait until the flow's socket is gone.
    const until = Date.now() + 5000;
    while (fds() > before && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.equal(fds(), before, "the idle flow was closed");
    const second = await ask("two");
    assert.notEqual(second.split(":").pop(), first.split(":").pop(), "a new flow after expiry");
  } finally {
    s.close();
    p.kill("SIGTERM");
    const code = await new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.once("exit", (c) => r(c))));
    assert.equal(code, 0, "SIGTERM ends the proxy with status 0");
  }
});

test("net-proxy: past the connection cap new connections are refused with a message, and admitted again below it", { skip }, async () => {
  const p = spawn(defaultProxyPath(), ["--max-conns", "2", `tcp:127.0.0.1:0:${CT_IP}:${ECHO_PORT}`], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(p);
  let stderr = "";
  p.stderr!.on("data", (d) => (stderr += d));
  const report = await new Promise<string>((res, rej) => {
    let text = "";
    p.stdout!.on("data", (d) => { text += d; if (text.endsWith("ready\n")) res(text); });
    p.once("exit", (c) => rej(new Error(`berth-proxy exited ${c}: ${text}`)));
  });
  const port = Number(report.split("\n")[0].split("\t")[3]);
  // Two held connections, each proven relayed (its echo came back).
  const held = await Promise.all([0, 1].map((i) => new Promise<Socket>((res, rej) => {
    const c = connect(port, "127.0.0.1");
    c.once("data", () => res(c));
    c.on("error", rej);
    c.write(`held ${i}`);
  })));
  try {
    const third = await new Promise<string>((res) => {
      const c = connect(port, "127.0.0.1");
      c.on("data", () => res("relayed"));
      c.on("error", (e: NodeJS.ErrnoException) => res(e.code ?? "error"));
      c.on("close", () => res("closed"));
      c.write("third");
    });
    assert.notEqual(third, "relayed");
    // The refusal reaches the client before the proxy's message crosses its stderr pipe: wait for it.
    for (let i = 0; i < 100 && !/connection limit/.test(stderr); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(stderr, /connection limit \(2\) reached/);
    held[0].destroy();
    // Once a slot is free again a new connection is relayed (the proxy sees the close first).
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      ok = await exchange(port, Buffer.from("again")).then((b) => b.toString().startsWith("again\nEND "), () => false);
      if (!ok) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(ok, "a connection below the cap is relayed again");
  } finally {
    for (const c of held) c.destroy();
    p.kill("SIGTERM");
    await new Promise((r) => (p.exitCode !== null ? r(null) : p.once("exit", r)));
  }
});
