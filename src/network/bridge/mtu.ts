/**
 * Link MTU inside the host (docs/networking.md, "MTU"). A bridge network whose MTU the user did
 * not set runs its bridge and veths at INTERNAL_MTU, so container↔container, container↔host and
 * host↔container traffic moves in 64 KiB frames like loopback (at MTU 1500 a veth pair on a
 * bridge reaches about 0.6× loopback's TCP throughput). Traffic that leaves the host must still
 * fit the outside MTU: the container's default route carries an `mtu` metric of the network's
 * MTU (Docker's 1500), so TCP to other hosts advertises MSS 1460 and UDP fragments at the source
 * exactly as on a 1500 link; the on-link subnet route keeps the link MTU.
 * A user-set MTU (the network's com.docker.network.driver.mtu, or berthd --mtu for the default
 * bridge) is used as is: link MTU = that value, no route metric, as in Docker.
 */
import { OPT_MTU } from "./bridgeOptions.js";
import type { NetworkRecord } from "../NetworkStore.js";

/**
 * 65520: the largest 16-byte multiple whose Ethernet frame (+14 bytes of header) still fits a
 * 64 KiB buffer; the IPv4 packet limit (65535) and the bridge and veth maximum (ETH_MAX_MTU,
 * 65535) are above it, and TCP's 64 KiB GSO segments make anything larger pointless.
 */
export const INTERNAL_MTU = 65520;

/** Whether the user chose this network's MTU (then it is used as is). */
export function mtuExplicit(n: Pick<NetworkRecord, "defaultBridge" | "options" | "mtuExplicit">): boolean {
  // The default bridge always shows the option (as dockerd does); only --mtu makes it the user's.
  if (n.defaultBridge) return n.mtuExplicit === true;
  const v = n.options[OPT_MTU];
  return v !== undefined && v !== "";
}

/** MTU of the bridge and of both ends of its veths. */
export function linkMtu(n: Pick<NetworkRecord, "defaultBridge" | "options" | "mtuExplicit" | "mtu">): number {
  return mtuExplicit(n) ? n.mtu : INTERNAL_MTU;
}

/** `mtu` metric of a container's default route through this network; 0 = none. */
export function routeMtu(n: Pick<NetworkRecord, "defaultBridge" | "options" | "mtuExplicit" | "mtu">): number {
  return mtuExplicit(n) ? 0 : n.mtu;
}
