import { test, after } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEngineError } from "../../errors/EngineError.js";
import type { PortMapping } from "./portSpec.js";
import { defaultProxyPath, parseProxyReport, proxyAlive, proxyError, startProxy, stopProxy, type ProxyHandle } from "./proxyProcess.js";

/* Unprivileged: the real helper is exercised on 127.0.0.1 only (ports chosen by the kernel). */
const binary = defaultProxyPath();
const noBinary = existsSync(binary) ? false : `berth-proxy not built (${binary}); run make -C native build/berth-proxy`;
const tmp = mkdtempSync(join(tmpdir(), "berth-test-proxy-"));
const started: ProxyHandle[] = [];

after(async () => {
  for (const h of started) await stopProxy(h);
  rmSync(tmp, { recursive: true, force: true });
});

const gone = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].startsWith("Z");
  } catch {
    return true;
  }
};

test("proxyProcess: parseProxyReport waits for a complete report", () => {
  assert.equal(parseProxyReport(""), undefined);
  assert.equal(parseProxyReport("bound\ttcp\t0.0.0.0\t80\n"), undefined);
  assert.equal(parseProxyReport("bound\ttcp\t0.0.0.0\t80\nrea"), undefined);
  assert.deepEqual(parseProxyReport("bound\ttcp\t0.0.0.0\t80\nbound\tudp\t127.0.0.1\t53\nready\n"), {
    kind: "ready",
    bound: [{ proto: "tcp", hostIp: "0.0.0.0", hostPort: 80 }, { proto: "udp", hostIp: "127.0.0.1", hostPort: 53 }],
  });
  assert.deepEqual(parseProxyReport("error\ttcp:a\\tb\tEINVAL\tbad\\nthing\n"), { kind: "error", mapping: "tcp:a\tb", errno: "EINVAL", message: "bad\nthing" });
  assert.equal(parseProxyReport("hello\n")?.kind, "error");
});

test("proxyProcess: proxyError uses Docker's words for a port in use", () => {
  const ms: PortMapping[] = [{ proto: "tcp", hostIp: "0.0.0.0", hostPort: "8080", containerIp: "10.0.0.2", containerPort: 80 }];
  const inUse = proxyError({ mapping: "tcp:0.0.0.0:8080:10.0.0.2:80", errno: "EADDRINUSE", message: "bind tcp 0.0.0.0:8080: Address already in use" }, ms);
  assert.equal(inUse.kind, "Conflict");
  assert.equal(inUse.message, "Bind for 0.0.0.0:8080 failed: port is already allocated");
  const bad = proxyError({ mapping: "x", errno: "EAFNOSUPPORT", message: "IPv6 host addresses are not supported yet (::1)" }, ms);
  assert.equal(bad.kind, "InvalidArgument");
  assert.match(bad.message, /^start port proxy: IPv6 host addresses are not supported yet/);
  assert.equal(proxyError({ mapping: "x", errno: "ENOMEM", message: "out of memory" }, ms).kind, "Internal");
});

test("proxyProcess: defaultProxyPath prefers $BERTH_PROXY", () => {
  const old = process.env.BERTH_PROXY;
  process.env.BERTH_PROXY = "/opt/x/berth-proxy";
  try {
    assert.equal(defaultProxyPath(), "/opt/x/berth-proxy");
  } finally {
    if (old === undefined) delete process.env.BERTH_PROXY;
    else process.env.BERTH_PROXY = old;
  }
  delete process.env.BERTH_PROXY;
  try {
    assert.match(defaultProxyPath(), /\/berth-proxy$/);
  } finally {
    if (old !== undefined) process.env.BERTH_PROXY = old;
  }
});

test("proxyProcess: proxyAlive and stopProxy go by pid and start time", async () => {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  await new Promise((r) => child.once("spawn", r));
  try {
    const startTime = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ")[19];
    const h = { pid: child.pid!, startTime };
    assert.equal(await proxyAlive(h), true);
    // Another start time is another process: neither alive nor stopped.
    const other = { pid: child.pid!, startTime: String(Number(startTime) + 1) };
    assert.equal(await proxyAlive(other), false);
    await stopProxy(other);
    assert.equal(await proxyAlive(h), true);
    await stopProxy(h);
    assert.equal(await proxyAlive(h), false);
    assert.equal(gone(child.pid!), true);
    await stopProxy(h); // already gone: no-op
    assert.equal(await proxyAlive({ pid: 0x3fffffff, startTime: "1" }), false);
  } finally {
    child.kill("SIGKILL");
  }
});

test("proxyProcess: startProxy failures leave no process", async () => {
  const m: PortMapping[] = [{ proto: "tcp", hostIp: "127.0.0.1", hostPort: "0", containerIp: "127.0.0.1", containerPort: 9 }];
  await assert.rejects(startProxy({ binary: join(tmp, "missing"), mappings: m }), (e: unknown) => isEngineError(e, "Internal") && /spawn/.test(e.message));
  await assert.rejects(startProxy({ binary: "/bin/true", mappings: m }), (e: unknown) => isEngineError(e, "Internal") && /without a report/.test(e.message));
  const silent = join(tmp, "silent.sh");
  writeFileSync(silent, "#!/bin/sh\nexec sleep 30\n", { mode: 0o755 });
  let pid = 0;
  await assert.rejects(startProxy({ binary: silent, mappings: m, timeoutMs: 300 }), (e: unknown) => {
    assert.ok(isEngineError(e, "Internal"));
    assert.match(e.message, /did not report within 300 ms/);
    pid = e.detail.pid as number;
    return true;
  });
  assert.ok(pid > 0 && gone(pid), `timed-out helper ${pid} still running`);
  await assert.rejects(startProxy({ mappings: [] }), (e: unknown) => isEngineError(e, "InvalidArgument"));
});

test("proxyProcess: a real proxy forwards TCP on 127.0.0.1 and stops", { skip: noBinary }, async () => {
  const server: Server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as AddressInfo).port;
    const h = await startProxy({ mappings: [{ proto: "tcp", hostIp: "127.0.0.1", hostPort: "0", containerIp: "127.0.0.1", containerPort: port }] });
    started.push(h);
    assert.equal(h.bound.length, 1);
    assert.deepEqual({ ...h.bound[0], hostPort: 0 }, { proto: "tcp", hostIp: "127.0.0.1", hostPort: 0, containerIp: "127.0.0.1", containerPort: port });
    assert.ok(h.bound[0].hostPort > 0);
    assert.equal(await proxyAlive(h), true);
    const answer = await new Promise<string>((res, rej) => {
      const c = connect(h.bound[0].hostPort, "127.0.0.1");
      let got = "";
      c.setEncoding("utf8");
      c.on("data", (d: string) => (got += d));
      c.on("end", () => res(got));
      c.on("error", rej);
      c.end("hello through berth-proxy");
    });
    assert.equal(answer, "hello through berth-proxy");
    await stopProxy(h);
    assert.equal(await proxyAlive(h), false);
  } finally {
    server.close();
  }
});

test("proxyProcess: the helper's refusal is an InvalidArgument and leaves no process", { skip: noBinary }, async () => {
  await assert.rejects(
    startProxy({ mappings: [{ proto: "tcp", hostIp: "::1", hostPort: "0", containerIp: "127.0.0.1", containerPort: 80 }] }),
    (e: unknown) => {
      assert.ok(isEngineError(e, "InvalidArgument"));
      assert.match(e.message, /IPv6 host addresses are not supported yet/);
      assert.ok(gone(e.detail.pid as number));
      return true;
    },
  );
});

test("proxyProcess: the helper validates every field of a mapping", { skip: noBinary }, async () => {
  const base: PortMapping = { proto: "tcp", hostIp: "127.0.0.1", hostPort: "0", containerIp: "127.0.0.1", containerPort: 80 };
  const cases: [Partial<Record<keyof PortMapping, unknown>>, RegExp][] = [
    [{ proto: "sctp" }, /invalid protocol sctp/],
    [{ hostIp: "1.2.3" }, /invalid host address 1\.2\.3/],
    [{ hostPort: "70000" }, /invalid host port 70000/],
    [{ hostPort: "9-8" }, /invalid host port range 9-8/],
    [{ hostPort: "0-8" }, /invalid host port range 0-8/],
    [{ containerIp: "x" }, /invalid container address x/],
    [{ containerPort: 0 }, /invalid container port 0/],
  ];
  for (const [change, text] of cases) {
    const m = { ...base, ...change } as PortMapping;
    await assert.rejects(startProxy({ mappings: [base, m] }), (e: unknown) => {
      assert.ok(isEngineError(e, "InvalidArgument"), `${JSON.stringify(change)}: ${String(e)}`);
      assert.match(e.message, text);
      assert.ok(gone(e.detail.pid as number));
      return true;
    });
  }
});
