/**
 * A NetOps that records every call and keeps a model of the kernel objects (netns files,
 * bridges, veths, the nft script), so tests can check both what was asked and what is left.
 * netns files are really created and removed (under the test's temporary exec root), as
 * restore() reads the directory. `failOn` makes the n-th call of an operation (or every call) reject, for rollback tests.
 */
import { lstatSync, mkdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { EngineError } from "../../errors/EngineError.js";
import type { NetOps, VethRequest } from "../NetOps.js";

export type OpName = "netnsCreate" | "netnsDelete" | "bridgeEnsure" | "bridgeDelete" | "vethAdd" | "linkDelete" | "nft" | "sysctl" | "routeDefault" | "vethPrepare" | "vethTake";

export interface RecordedCall {
  op: OpName;
  args: unknown[];
}

export class RecordingNetOps implements NetOps {
  readonly calls: RecordedCall[] = [];
  readonly netns = new Set<string>();
  readonly bridges = new Map<string, { cidr: string; mtu: number }>();
  readonly veths = new Map<string, VethRequest>();
  readonly sysctls = new Map<string, string>();
  nftText = "";
  closed = false;
  private failures: { op: OpName; nth: number; seen: number; error: EngineError }[] = [];

  /** The `nth` (1-based; 0 = every) next call of `op` fails with `error`. */
  failOn(op: OpName, nth = 1, error = new EngineError("Internal", `${op}: injected failure`)): void {
    this.failures.push({ op, nth, seen: 0, error });
  }

  clearFailures(): void {
    this.failures = [];
  }

  /**
   * The netns file a path names: a container's path may be a symlink to a pooled netns
   * (NetnsPool), which the helper follows like the kernel does. Veths are recorded under it.
   */
  real(path: string): string {
    try {
      return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : path;
    } catch {
      return path;
    }
  }

  count(op: OpName): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  private async call(op: OpName, args: unknown[]): Promise<void> {
    this.calls.push({ op, args });
    for (const f of this.failures) {
      if (f.op !== op) continue;
      f.seen++;
      if (f.nth === 0 || f.seen === f.nth) throw f.error;
    }
  }

  async netnsCreate(path: string): Promise<void> {
    await this.call("netnsCreate", [path]);
    if (this.netns.has(path)) throw new EngineError("AlreadyExists", `netns_create: ${path}: EEXIST`);
    this.netns.add(path);
    // Like the helper: the netns file exists (tests give a temporary exec root).
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "");
  }

  async netnsDelete(path: string): Promise<void> {
    await this.call("netnsDelete", [path]);
    if (this.real(path) !== path) {
      // Like the helper: nothing is mounted on a symlink; only the link goes.
      rmSync(path, { force: true });
      return;
    }
    this.netns.delete(path);
    rmSync(path, { force: true });
    for (const [name, v] of this.veths) if (v.netnsPath === path) this.veths.delete(name);
  }

  async bridgeEnsure(name: string, cidr: string, mtu: number): Promise<void> {
    await this.call("bridgeEnsure", [name, cidr, mtu]);
    this.bridges.set(name, { cidr, mtu });
  }

  async bridgeDelete(name: string): Promise<void> {
    await this.call("bridgeDelete", [name]);
    this.bridges.delete(name);
  }

  async vethAdd(req: VethRequest): Promise<void> {
    await this.call("vethAdd", [req]);
    req = { ...req, netnsPath: this.real(req.netnsPath) };
    if (!this.netns.has(req.netnsPath)) throw new EngineError("NotFound", `veth_add: ${req.netnsPath}: ENOENT`);
    if (!this.bridges.has(req.bridge)) throw new EngineError("NotFound", `veth_add: bridge ${req.bridge}: ENODEV`);
    if (this.veths.has(req.hostName)) throw new EngineError("AlreadyExists", `veth_add: ${req.hostName}: EEXIST`);
    this.veths.set(req.hostName, req);
  }

  /** A pooled pair: recorded as a veth on no bridge without address (bridge, mac, cidr, gateway empty) until taken. */
  async vethPrepare(req: Parameters<NonNullable<NetOps["vethPrepare"]>>[0]): Promise<void> {
    await this.call("vethPrepare", [req]);
    if (!this.netns.has(req.netnsPath)) throw new EngineError("NotFound", `veth_prepare: ${req.netnsPath}: ENOENT`);
    if (this.veths.has(req.hostName)) throw new EngineError("AlreadyExists", `veth_prepare: ${req.hostName}: EEXIST`);
    this.veths.set(req.hostName, { ...req, bridge: "", isolated: false, mac: "", cidr: "", gateway: "" });
  }

  /** Like the helper: a prepared pair gets its bridge and the container's settings; on failure it is deleted. */
  async vethTake(req: Parameters<NonNullable<NetOps["vethTake"]>>[0]): Promise<void> {
    try {
      await this.call("vethTake", [req]);
      const v = this.veths.get(req.hostName);
      if (!v) throw new EngineError("NotFound", `veth_take ${req.hostName}: look up: ENODEV`);
      if (!this.bridges.has(req.bridge)) throw new EngineError("NotFound", `veth_take ${req.hostName}: bridge ${req.bridge}: ENODEV`);
      if (!this.netns.has(this.real(req.netnsPath))) throw new EngineError("NotFound", `veth_take ${req.hostName}: open netns ${req.netnsPath}: ENOENT`);
      this.veths.set(req.hostName, { ...v, netnsPath: this.real(req.netnsPath), bridge: req.bridge, isolated: req.isolated, mac: req.mac, cidr: req.cidr, gateway: req.gateway, routeMtu: req.routeMtu ?? 0 });
    } catch (e) {
      this.veths.delete(req.hostName);
      throw e;
    }
  }

  async linkDelete(name: string): Promise<void> {
    await this.call("linkDelete", [name]);
    this.veths.delete(name);
  }

  async nft(script: string): Promise<void> {
    await this.call("nft", [script]);
    this.nftText = script;
  }

  async sysctl(key: string, value: string): Promise<void> {
    await this.call("sysctl", [key, value]);
    this.sysctls.set(key, value);
  }

  /** Like the helper: the veth whose peer is ifName in that netns now carries the default route. */
  async routeDefault(netnsPath: string, ifName: string, gateway: string, mtu?: number): Promise<void> {
    await this.call("routeDefault", [netnsPath, ifName, gateway, mtu ?? 0]);
    netnsPath = this.real(netnsPath);
    const inside = [...this.veths].filter(([, v]) => v.netnsPath === netnsPath);
    if (!inside.some(([, v]) => v.ifName === ifName)) throw new EngineError("NotFound", `route_default ${netnsPath}: find ${ifName}: ENODEV`);
    // Copies: the recorded vethAdd arguments stay as they were asked.
    for (const [name, v] of inside) this.veths.set(name, { ...v, gateway: v.ifName === ifName ? gateway : "", routeMtu: v.ifName === ifName ? mtu ?? 0 : 0 });
  }

  close(): void {
    this.closed = true;
  }
}
