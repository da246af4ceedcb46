/**
 * Network namespaces made ahead of time, so a bridged container's start takes one instead of
 * waiting for berth-netlink to unshare and bind-mount a new one; and with the veth of the
 * network the last starts used already inside, so the start only attaches it to the bridge and
 * gives it its MAC, address and route (docs/networking.md, "Warm netns pool").
 *
 * An entry is a fresh netns (loopback up) mounted at <execRoot>/netns-pool/<endpoint id>,
 * optionally holding `eth0` (down, no address) whose host end, hostVethName(endpoint id), is
 * down and on no bridge yet (an idle pool shows on no bridge). A start takes an entry and
 * adopts it: the container's usual <execRoot>/netns/<id> becomes a symlink to the pool file (so
 * the SandboxKey, the runtime's join by path and everything else look as without the pool; a
 * bind mount there cost a helper request on the start path), and its NetnsRecord names the
 * pool file too, which goes with the container. A taken entry is never reused.
 *
 * Refills never compete with a start: one step at a time, only once the network service has
 * been quiet for a while (no set-up or tear-down running, none just ended, and no start whose
 * networking was just set up still going on), so a burst of starts empties the pool and then
 * creates namespaces as it would without one. Nothing of the pool
 * outlives the daemon: close() deletes it; a killed daemon's pool files are removed by the next
 * restore with the veths named after them that no endpoint owns (NetworkService.restore).
 */
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import type { NetOps } from "./NetOps.js";
import type { PoolVethOps } from "./poolOps.js";
import type { NetworkRecord } from "./NetworkStore.js";
import { containerIfName, hostVethName, newEndpointId } from "./bridge/endpointNames.js";
import { linkMtu, routeMtu } from "./bridge/mtu.js";
import { mark } from "../util/timingMarks.js";

/** The pool's directory under the exec root (beside netns/, which holds containers' files only). */
export const POOL_DIR = "netns-pool";

/** What a pooled veth is made for: a network and the settings its veth depends on. */
export interface VethTarget {
  networkId: string;
  /** The network's veth-relevant settings (bridge, MTUs, icc) at the time: stale when they differ. */
  key: string;
  mtu: number;
  routeMtu: number;
}

/**
 * What a pooled veth for `n` is made with, or undefined when its containers' eth0 cannot use
 * one (not a bridge with a gateway, or internal: no default route, so vethAdd applies no route
 * mtu). What veth_prepare applies (MTU, the route MTU's GSO settings) is the key, so a changed
 * network never hands out a veth made for its old settings; the bridge and port isolation are
 * applied at the take.
 */
export function vethTargetOf(n: NetworkRecord): VethTarget | undefined {
  if (n.driver !== "bridge" || !n.bridge || !n.gateway || n.internal) return undefined;
  const mtu = linkMtu(n);
  const rmtu = routeMtu(n);
  return { networkId: n.id, key: `${mtu}|${rmtu}`, mtu, routeMtu: rmtu };
}

export interface PooledVeth {
  networkId: string;
  key: string;
  /** The pre-assigned endpoint id; the host end is hostVethName(endpointId). */
  endpointId: string;
  hostName: string;
  /** containerIfName(0) */
  ifName: string;
}

export interface PoolEntry {
  path: string;
  veth?: PooledVeth;
}

export interface NetnsPoolOptions {
  ops: NetOps;
  /** The pooled-veth operations; absent: bare namespaces only. */
  vethOps?: PoolVethOps;
  /** <execRoot>/netns-pool */
  dir: string;
  /** How many entries to keep ready; 0 disables the pool. */
  size: number;
  /** Quiet time before a refill step (ms), after a tear-down or a take (default 10). */
  quietMs?: number;
  /**
   * Quiet time after a set-up (ms, default 75): the container's start goes on after its
   * network is ready (spec, cgroup, runtime), and a refill then would compete with it.
   */
  settleMs?: number;
  /** Whether a pool is worth keeping now (false: the daemon has no bridge network). */
  wanted: () => boolean;
  /**
   * The network to make veths for now, or undefined (bare namespaces). `recent`: the network
   * the last start's eth0 was on, if it could have used a pooled veth.
   */
  vethTarget: (recent: string | undefined) => VethTarget | undefined;
  /** The current key of a network (undefined: gone or being removed). */
  keyOf: (networkId: string) => string | undefined;
  log: (level: "debug" | "info" | "warn" | "error", msg: string) => void;
}

/** After a failed refill: wait this long before trying again (the helper may be overloaded). */
const RETRY_MS = 2000;

/** The host veth a pool file's entry may have (a file named after its endpoint id). */
export function pooledHostVeth(fileName: string): string | undefined {
  return /^[0-9a-f]{64}$/.test(fileName) ? hostVethName(fileName) : undefined;
}

export class NetnsPool {
  private readonly ready: PoolEntry[] = [];
  private readonly quietMs: number;
  private readonly settleMs: number;
  private vethOps: PoolVethOps | undefined;
  /** The one refill step in flight, if any. */
  private filling: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** No refill step before this time (Date.now() ms). */
  private quietUntil = 0;
  /** Set-ups and tear-downs in progress. */
  private active = 0;
  private started = false;
  private closed = false;
  /** The network of the last take that asked for a veth. */
  private recent: string | undefined;

  constructor(private readonly o: NetnsPoolOptions) {
    this.quietMs = o.quietMs ?? 10;
    this.settleMs = o.settleMs ?? 75;
    this.vethOps = o.vethOps;
  }

  /** Begins keeping the pool filled (after restore has swept what an earlier daemon left). */
  start(): void {
    if (this.closed || this.o.size <= 0) return;
    this.started = true;
    this.schedule(0);
  }

  /** Whether `path` is one of the pool's files not handed out. */
  holds(path: string): boolean {
    return this.ready.some((e) => e.path === path);
  }

  /**
   * The taken entry's netns becomes the container's: `to` (its usual path) links to the pool
   * file. False when that failed: the entry is deleted, the caller makes a netns as usual.
   */
  async adopt(e: PoolEntry, to: string): Promise<boolean> {
    try {
      // Synchronous on purpose (~tens of µs): queued behind the start's other file work in
      // libuv's thread pool, the asynchronous call took milliseconds.
      symlinkSync(e.path, to);
    } catch (x) {
      this.o.log("warn", `netns pool: linking ${to} to ${e.path}: ${(x as Error).message}`);
      await this.destroy(e);
      return false;
    }
    return true;
  }

  /** The entries ready now (tests, diagnostics). */
  entries(): readonly PoolEntry[] {
    return this.ready;
  }

  /**
   * An entry for a container, or undefined (the caller creates a netns as usual). `veth`: the
   * network (and its current key) whose pooled veth the container's eth0 may be; without it,
   * or when none fits, a bare namespace. The entry is the caller's from now on; a refill is
   * scheduled for when the service is quiet again.
   */
  take(veth?: { networkId: string; key: string }): PoolEntry | undefined {
    if (veth) this.recent = veth.networkId;
    let i = veth ? this.ready.findIndex((e) => e.veth?.networkId === veth.networkId && e.veth.key === veth.key) : -1;
    if (i < 0) i = this.ready.findIndex((e) => !e.veth);
    this.schedule(this.quietMs);
    if (i < 0) return undefined;
    return this.ready.splice(i, 1)[0];
  }

  /**
   * Marks network work in progress (set-up, tear-down): no refill starts while any is running,
   * nor within `after` ms of its end (a set-up: settleMs, the start it belongs to is still
   * going on; a tear-down: quietMs). Returns the function that ends it.
   */
  busy(kind: "setUp" | "tearDown"): () => void {
    this.active++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.active--;
      this.quiet(kind === "setUp" ? this.settleMs : this.quietMs);
      this.schedule(this.quietUntil - Date.now());
    };
  }

  /**
   * A start whose set-up ended has finished too: its settle time (settleMs, which only keeps a
   * refill off the rest of that start) ends; the refill follows after quietMs. Without this,
   * starts coming back to back (`docker run --rm` in a loop, each within settleMs of the last)
   * never left the pool a quiet moment, and every start made its netns itself.
   */
  startFinished(): void {
    this.quietUntil = Math.min(this.quietUntil, Date.now() + this.quietMs);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.schedule(this.quietUntil - Date.now());
  }

  private quiet(ms: number): void {
    this.quietUntil = Math.max(this.quietUntil, Date.now() + ms);
  }

  /**
   * A network is going (remove): its pooled veths are deleted now; with no network left, the
   * whole pool goes.
   */
  async dropNetwork(networkId: string): Promise<void> {
    // A refill in flight finishes first; it checks the network again (valid()) when done.
    await this.filling;
    const drop = this.o.wanted() ? this.ready.filter((e) => e.veth?.networkId === networkId) : [...this.ready];
    for (const e of drop) this.ready.splice(this.ready.indexOf(e), 1);
    await Promise.all(drop.map((e) => this.destroy(e)));
    // Refilled for the network starts use now, when there is one.
    this.schedule(this.quietMs);
  }

  /** No more refills; every entry the pool still holds is deleted. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.filling;
    const entries = this.ready.splice(0);
    await Promise.all(entries.map((e) => this.destroy(e)));
    // The helper replies to link_delete once the deletion has started; a second request naming
    // the link waits for it to finish (docs/networking.md). So when close() returns (the daemon
    // is about to exit), no pooled veth is left on a bridge.
    await Promise.all(entries.flatMap((e) => (e.veth ? [this.o.ops.linkDelete(e.veth.hostName).catch(() => {})] : [])));
  }

  /** The entry's veth and netns, deleted at once; failures are logged (restore sweeps the file). */
  private async destroy(e: PoolEntry): Promise<void> {
    const { ops, log } = this.o;
    const steps: Promise<void>[] = [];
    if (e.veth) steps.push(ops.linkDelete(e.veth.hostName).catch((x: unknown) => log("warn", `netns pool: deleting ${e.veth!.hostName}: ${(x as Error).message}`)));
    steps.push(ops.netnsDelete(e.path).catch((x: unknown) => log("warn", `netns pool: deleting ${e.path}: ${(x as Error).message}`)));
    await Promise.all(steps);
  }

  /** Still worth handing out: the pool is open and wanted, its veth's network unchanged. */
  private valid(e: PoolEntry): boolean {
    if (this.closed || !this.o.wanted()) return false;
    return !e.veth || this.o.keyOf(e.veth.networkId) === e.veth.key;
  }

  /** An entry the pool should make room for: stale, or not what starts use now. */
  private misfit(target: VethTarget | undefined): PoolEntry | undefined {
    const stale = this.ready.find((e) => !this.valid(e));
    if (stale || !this.vethOps || !target) return stale;
    return this.ready.find((e) => e.veth?.networkId !== target.networkId || e.veth.key !== target.key);
  }

  private schedule(delay: number): void {
    if (!this.started || this.closed || this.timer || this.filling) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.step();
    }, delay);
    // The pool never keeps the daemon (or a test) alive.
    this.timer.unref();
  }

  /** One refill step when nothing else is going on: a misfit out, or a new entry in. */
  private step(): void {
    if (this.closed || this.filling) return;
    const wait = this.quietUntil - Date.now();
    if (this.active > 0 || wait > 0) {
      this.schedule(this.active > 0 ? this.quietMs : wait);
      return;
    }
    let retry = 0;
    let work: Promise<void>;
    const target = this.vethOps && this.o.wanted() ? this.o.vethTarget(this.recent) : undefined;
    if (!this.o.wanted()) {
      return;
    } else if (this.ready.length >= this.o.size) {
      const out = this.misfit(target);
      if (!out) return;
      this.ready.splice(this.ready.indexOf(out), 1);
      work = this.destroy(out);
    } else {
      work = this.make(target).then((ok) => {
        if (!ok) retry = RETRY_MS;
      });
    }
    mark("net: pool refill begins");
    this.filling = work.finally(() => {
      mark("net: pool refill ended");
      this.filling = null;
      this.schedule(retry);
    });
  }

  /** A new entry (with a veth for `target` when given); false when the helper failed. */
  private async make(target: VethTarget | undefined): Promise<boolean> {
    const { ops, log } = this.o;
    const id = newEndpointId();
    const e: PoolEntry = { path: join(this.o.dir, id) };
    try {
      await ops.netnsCreate(e.path);
    } catch (x) {
      log("warn", `netns pool: creating ${e.path}: ${(x as Error).message}`);
      // Nothing half-made stays ("ok if missing").
      await ops.netnsDelete(e.path).catch(() => {});
      return false;
    }
    if (target && this.vethOps) {
      const veth: PooledVeth = { networkId: target.networkId, key: target.key, endpointId: id, hostName: hostVethName(id), ifName: containerIfName(0) };
      try {
        await this.vethOps.vethPrepare({ hostName: veth.hostName, netnsPath: e.path, ifName: veth.ifName, mtu: target.mtu, routeMtu: target.routeMtu });
        e.veth = veth;
      } catch (x) {
        const msg = (x as Error).message;
        if (!/unknown operation/.test(msg)) {
          log("warn", `netns pool: veth for ${e.path}: ${msg}`);
          // The helper left nothing of the pair; the bare namespace goes too, and a while passes
          // before the next try (it would be taken out again as a misfit at once).
          await this.destroy(e);
          return false;
        }
        // A helper without the operation (an older installed binary): bare namespaces only.
        this.vethOps = undefined;
      }
    }
    if (!this.valid(e)) {
      await this.destroy(e);
      return true;
    }
    this.ready.push(e);
    return true;
  }

  /** The container's part of a pooled veth (NetOps.vethTake). */
  vethTake(req: Parameters<PoolVethOps["vethTake"]>[0]): Promise<void> {
    if (!this.o.vethOps) return Promise.reject(new Error("netns pool: no pooled veths"));
    return this.o.vethOps.vethTake(req);
  }
}
