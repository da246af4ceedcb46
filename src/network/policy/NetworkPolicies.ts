/**
 * The network policies of containers with a `berth.network.allow` label (docs/networking.md,
 * "Policy"): which containers have one (kept in SQLite, see PolicyStore), the br_netfilter
 * precondition, and when berth's table must be regenerated. The network service wraps its
 * container operations with these; without any policy the default path adds no table rewrite.
 */
import { readFile } from "node:fs/promises";
import { EngineError, failedPrecondition } from "../../errors/EngineError.js";
import type { SqliteDatabase } from "../../image/metadata/sqlite.js";
import type { NetOps } from "../NetOps.js";
import type { EndpointRecord, NetworkRecord } from "../NetworkStore.js";
import type { ContainerNetInfo } from "../types.js";
import { ALLOW_LABEL, allowRulesOf, parseAllowLabel } from "./allowLabel.js";
import { policyChains, type PolicyChain, type PolicyContainer } from "./policyRules.js";
import { PolicyStore } from "./PolicyStore.js";

export interface NetworkPoliciesOptions {
  db: SqliteDatabase;
  ops: NetOps;
  log: (level: "debug" | "info" | "warn" | "error", msg: string) => void;
  /** Default /proc/sys/net/bridge/bridge-nf-call-iptables; its sibling ...-ip6tables is checked too (tests pass files). */
  bridgeNfFile?: string;
}

const BRIDGE_NF_KEY = "net.bridge.bridge-nf-call-iptables";
const BRIDGE_NF6_KEY = "net.bridge.bridge-nf-call-ip6tables";

export class NetworkPolicies {
  private readonly store: PolicyStore;
  private readonly byId = new Map<string, PolicyContainer>();

  constructor(private readonly o: NetworkPoliciesOptions) {
    this.store = new PolicyStore(o.db);
    for (const r of this.store.all()) {
      try {
        this.byId.set(r.containerId, { id: r.containerId, name: r.name, rules: parseAllowLabel(r.label) });
      } catch (e) {
        // Checked at create; a record that no longer parses is kept out of the table (logged).
        o.log("error", `network policy of ${r.name}: ${(e as Error).message}`);
      }
    }
  }

  /** At container create: the label's syntax (InvalidArgument). */
  static validate(labels: Record<string, string> | undefined): void {
    allowRulesOf(labels);
  }

  /** Some container has a policy: endpoint changes must regenerate the table. */
  active(): boolean {
    return this.byId.size > 0;
  }

  /** The chains to render now. */
  chains(networks: NetworkRecord[], endpoints: EndpointRecord[]): PolicyChain[] {
    return this.byId.size === 0 ? [] : policyChains([...this.byId.values()], networks, endpoints);
  }

  /**
   * Around setUp: a policy container is recorded before its endpoints exist and the table holds
   * its chain before setUp returns (before its process starts); if that fails, `undo` tears
   * its network down again. Other containers re-sync only while some policy exists.
   */
  async setUp<T>(c: ContainerNetInfo, make: () => Promise<T>, undo: () => Promise<void>, sync: () => Promise<void>): Promise<T> {
    const rules = allowRulesOf(c.labels);
    if (rules === undefined) {
      const r = await make();
      if (this.active()) await this.syncQuietly(sync, `start of ${c.name}`);
      return r;
    }
    await this.enforceable(c.name);
    this.track({ id: c.id, name: c.name, rules }, c.labels[ALLOW_LABEL]!);
    let r: T;
    try {
      r = await make();
    } catch (e) {
      this.drop(c.id);
      await this.syncQuietly(sync, `failed start of ${c.name}`);
      throw e;
    }
    try {
      await sync();
    } catch (e) {
      this.drop(c.id);
      const cleanup: unknown[] = [];
      try { await undo(); } catch (x) { cleanup.push(x); }
      throw new EngineError("Internal", `set up networking of ${c.name}: installing its network policy: ${(e as Error).message}`, { cause: e, cleanupErrors: cleanup });
    }
    return r;
  }

  /** Around tearDown: the container's policy goes, and the table follows when any policy is left or went. */
  async tearDown(containerId: string, run: () => Promise<void>, sync: () => Promise<void>): Promise<void> {
    let failed: unknown;
    try {
      await run();
    } catch (e) {
      failed = e;
    }
    const had = this.drop(containerId);
    if (had || this.active()) {
      try {
        await sync();
      } catch (e) {
        if (failed === undefined) failed = e;
        else this.o.log("error", `network policy: tear down of ${containerId}: ${(e as Error).message}`);
      }
    }
    if (failed !== undefined) throw failed;
  }

  /**
   * After a connect: the table follows. A policy container whose new address cannot be put
   * under its policy is disconnected again (`undo`) rather than left unrestricted on it.
   */
  async connected(containerId: string, undo: () => Promise<void>, sync: () => Promise<void>): Promise<void> {
    if (!this.active()) return;
    if (!this.byId.has(containerId)) return this.syncQuietly(sync, `connect of ${containerId}`);
    try {
      await sync();
    } catch (e) {
      const cleanup: unknown[] = [];
      try { await undo(); } catch (x) { cleanup.push(x); }
      throw new EngineError("Internal", `connect ${containerId}: installing its network policy: ${(e as Error).message}`, { cause: e, cleanupErrors: cleanup });
    }
  }

  /** After a disconnect: targets and sources change only when some policy exists. */
  async disconnected(sync: () => Promise<void>): Promise<void> {
    if (this.active()) await sync();
  }

  /**
   * At daemon start: the running containers' policies (labels are the truth; records of
   * containers no longer running go). The caller regenerates the table afterwards.
   */
  async restore(running: ContainerNetInfo[]): Promise<void> {
    const live = new Set(running.map((c) => c.id));
    for (const id of [...this.byId.keys()]) if (!live.has(id)) this.drop(id);
    for (const c of running) {
      try {
        const rules = allowRulesOf(c.labels);
        if (rules === undefined) {
          this.drop(c.id);
          continue;
        }
        this.track({ id: c.id, name: c.name, rules }, c.labels[ALLOW_LABEL]!);
        await this.enforceable(c.name);
      } catch (e) {
        this.o.log("error", `network restore: policy of ${c.name}: ${(e as Error).message}`);
      }
    }
  }

  /**
   * Same-bridge traffic reaches the inet forward hook only through br_netfilter with
   * bridge-nf-call-iptables=1: missing → FailedPrecondition (the policy could not be enforced
   * between containers of one network); 0 → turned on (it is host-wide) and logged.
   */
  private async enforceable(name: string): Promise<void> {
    const file = this.o.bridgeNfFile ?? "/proc/sys/net/bridge/bridge-nf-call-iptables";
    // IPv6 too: a policy container's link-local IPv6 is dropped by rules that only see bridged
    // IPv6 with bridge-nf-call-ip6tables=1 (the same module provides both files).
    for (const [path, key] of [[file, BRIDGE_NF_KEY], [file.replace(/iptables$/, "ip6tables"), BRIDGE_NF6_KEY]] as const) {
      let value: string;
      try {
        value = (await readFile(path, "utf8")).trim();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        throw failedPrecondition(
          `start container ${name}: label ${ALLOW_LABEL} needs the br_netfilter kernel module (${path} is missing): ` +
          "without it traffic between containers of one bridge bypasses nftables and the policy could not be enforced; load it with `modprobe br_netfilter`",
        );
      }
      if (value === "1") continue;
      await this.o.ops.sysctl(key, "1");
      this.o.log("info", `network policy of ${name}: set ${key}=1 (was ${value}) so traffic between containers of one bridge passes nftables`);
    }
  }

  private track(p: PolicyContainer, label: string): void {
    this.store.put({ containerId: p.id, name: p.name, label });
    this.byId.set(p.id, p);
  }

  private drop(containerId: string): boolean {
    if (!this.byId.has(containerId)) return false;
    this.store.delete(containerId);
    this.byId.delete(containerId);
    return true;
  }

  private async syncQuietly(sync: () => Promise<void>, what: string): Promise<void> {
    try {
      await sync();
    } catch (e) {
      // Not this container's own policy at stake: the next change retries; policy containers stay restricted (fail closed).
      this.o.log("error", `network policy: regenerating rules after ${what}: ${(e as Error).message}`);
    }
  }
}
