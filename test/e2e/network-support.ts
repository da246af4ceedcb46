/**
 * Shared pieces of the network e2e tests: a daemon per test with the leak check, HTTP from the
 * host, free ports, a busybox web server command, and "another host": a netns of our own
 * linked to the host by a veth pair with its own /30.
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

export async function withDaemon(fn: (d: TestDaemon) => Promise<void>): Promise<void> {
  const d = await startTestDaemon();
  try {
    await fn(d);
  } catch (e) {
    const left = await d.cleanup();
    if (left.length > 0) (e as Error).message += `\n(cleanup also force-removed: ${left.join(", ")})`;
    throw e;
  }
  assert.deepEqual(await d.cleanup(), [], `berthd left these behind:\n${d.log()}`);
}

/** busybox httpd serving `text` at / on port 80 (foreground, so it is the container's process). */
export function httpd(text: string, port = 80, bind = ""): string[] {
  return ["sh", "-c", `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p ${bind ? `${bind}:` : ""}${port} -h /www`];
}

export function httpGet(host: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: "/", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(body));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET http://${host}:${port}/: timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** Retries `fn` until it resolves (a server inside a container needs a moment to listen). */
export async function eventually<T>(fn: () => Promise<T>, tries = 40, delayMs = 100): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  throw last;
}

/** A TCP port nobody listens on right now (on all addresses). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const token = () => `berth-test-${randomBytes(4).toString("hex")}`;

export function inspect(d: TestDaemon, what: string): Promise<Record<string, any>> {
  return d.ok(["inspect", what]).then((o) => JSON.parse(o)[0]);
}

function run(cmd: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10_000 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}${r.signal ? `killed by ${r.signal}` : ""}` };
}

/** Like run, without blocking the event loop (servers in this process keep answering). */
function runAsync(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    // Its own process group: a `sh -c "wget … | md5sum"` that hangs is killed whole (killing
    // only sh leaves wget holding the output pipe, and "close" never comes).
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const t = setTimeout(() => {
      try {
        process.kill(-p.pid!, "SIGKILL");
      } catch {
        p.kill("SIGKILL");
      }
    }, 10_000);
    p.on("error", (e) => (out += String(e)));
    p.on("close", (code, sig) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, out: out + (sig ? `killed by ${sig}` : "") });
    });
  });
}

function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.out}`);
  return r.out;
}

/** IPv4 routes of the host as [network, prefix] (to pick a /30 nobody uses). */
function routedSubnets(): [number, number][] {
  const toNum = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  return must("ip", ["-4", "-o", "route", "show", "table", "all"]).split("\n").flatMap((l) => {
    const m = /^(?:\S+\s+)?(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?\s/.exec(l.replace(/^(local|broadcast|unicast)\s+/, ""));
    return m ? [[toNum(m[1]), Number(m[2] ?? 32)] as [number, number]] : [];
  });
}

export interface OtherHost {
  /** The netns file (/run/netns/<name>). */
  netns: string;
  /** The host side of the link (what the other host reaches us at). */
  hostIp: string;
  peerIp: string;
  /** Runs busybox in the other host's netns. */
  busybox(args: string[]): Promise<{ code: number; out: string }>;
  remove(): void;
}

/**
 * "Another host": a netns of our own (random name) with a veth pair to the host and its own
 * /30 in 10.208.0.0/16, not overlapping any route the host has.
 */
export function otherHost(): OtherHost {
  const id = randomBytes(4).toString("hex");
  const name = `berth-test-${id}`;
  const hostIf = `vh${id}`;
  const peerIf = `vp${id}`;
  const routes = routedSubnets();
  let base = 0;
  for (let i = 0; i < 100 && base === 0; i++) {
    // 10.208.0.0/16, outside the 10.200.0.0/13 that test daemons take their --bip and pools
    // from: the daemon a test starts after this must not put its bridge's subnet around this
    // /30 (its containers would then answer the other host on-link, into the void).
    const cand = ((10 << 24) | (208 << 16) | (randomInt(256) << 8) | (4 * randomInt(64))) >>> 0;
    const clash = routes.some(([net, prefix]) => {
      const p = Math.min(prefix, 30);
      const mask = p === 0 ? 0 : (~0 << (32 - p)) >>> 0;
      return ((cand & mask) >>> 0) === ((net & mask) >>> 0);
    });
    if (!clash) base = cand;
  }
  assert.ok(base !== 0, "no free /30 in 10.208.0.0/16");
  const ip = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  const hostIp = ip(base + 1);
  const peerIp = ip(base + 2);
  const remove = () => {
    run("ip", ["link", "delete", hostIf]);
    run("ip", ["netns", "delete", name]);
  };
  try {
    must("ip", ["netns", "add", name]);
    must("ip", ["link", "add", hostIf, "type", "veth", "peer", "name", peerIf, "netns", name]);
    must("ip", ["addr", "add", `${hostIp}/30`, "dev", hostIf]);
    must("ip", ["link", "set", hostIf, "up"]);
    must("ip", ["-n", name, "addr", "add", `${peerIp}/30`, "dev", peerIf]);
    must("ip", ["-n", name, "link", "set", peerIf, "up"]);
    must("ip", ["-n", name, "link", "set", "lo", "up"]);
  } catch (e) {
    remove();
    throw e;
  }
  const netns = `/run/netns/${name}`;
  assert.ok(existsSync(netns));
  return {
    netns, hostIp, peerIp, remove,
    busybox: (args) => runAsync("nsenter", [`--net=${netns}`, "/bin/busybox", ...args]),
  };
}
