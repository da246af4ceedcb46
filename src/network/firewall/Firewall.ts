/**
 * Applies berth's nft table from the current records (whole table, one transaction) and the
 * sysctls the networks need: IPv4 forwarding once a network with outbound access exists
 * (dockerd does the same), and route_localnet on bridges in DNAT mode so 127.0.0.1 bindings
 * can be rewritten to a container (the input chain drops what that would otherwise expose).
 */
import type { NetOps } from "../NetOps.js";
import type { NetworkRecord } from "../NetworkStore.js";
import { nftDeleteScript, nftScript, type DnatRule, type FirewallNetwork } from "./nftScript.js";
import type { PolicyChain } from "../policy/policyRules.js";

export class Firewall {
  private forwardingOn = false;
  private readonly localnetOn = new Set<string>();

  private readonly dnatMode: boolean;
  private readonly ipForward: boolean;

  constructor(private readonly ops: NetOps, readonly table: string, o: { dnatMode: boolean; ipForward: boolean }) {
    this.dnatMode = o.dnatMode;
    this.ipForward = o.ipForward;
  }

  async apply(networks: NetworkRecord[], dnat: DnatRule[], policies: PolicyChain[] = []): Promise<void> {
    const bridged = networks.filter((n) => n.driver === "bridge" && n.bridge && n.subnet);
    const fw: FirewallNetwork[] = bridged.map((n) => ({ bridge: n.bridge!, subnet: n.subnet!, internal: n.internal, icc: n.icc, masquerade: n.masquerade }));
    await this.ops.nft(nftScript({ table: this.table, networks: fw, dnat, policies }));
    if (this.ipForward && !this.forwardingOn && bridged.some((n) => !n.internal)) {
      await this.ops.sysctl("net.ipv4.ip_forward", "1");
      this.forwardingOn = true;
    }
    if (this.dnatMode) {
      for (const n of bridged) {
        // sysctl keys are dotted paths: a bridge name with a dot cannot be addressed that way.
        if (this.localnetOn.has(n.bridge!) || n.bridge!.includes(".")) continue;
        await this.ops.sysctl(`net.ipv4.conf.${n.bridge}.route_localnet`, "1");
        this.localnetOn.add(n.bridge!);
      }
    }
  }

  forget(bridge: string): void {
    this.localnetOn.delete(bridge);
  }

  /** Removes berth's table (tests, uninstall); the daemon leaves it for live restore. */
  async remove(): Promise<void> {
    await this.ops.nft(nftDeleteScript(this.table));
  }
}
