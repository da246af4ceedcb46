/** Names and addresses of an endpoint's links. */
import { randomBytes } from "node:crypto";

/** A new endpoint id (64 hex, like Docker's EndpointID). */
export function newEndpointId(): string {
  return randomBytes(32).toString("hex");
}

/** The host end of the veth pair: vb + 10 hex of the endpoint id (12 bytes ≤ IFNAMSIZ). */
export function hostVethName(endpointId: string): string {
  return `vb${endpointId.slice(0, 10)}`;
}

/** The interface inside the container: eth0 for the first network, eth1, ... */
export function containerIfName(index: number): string {
  return `eth${index}`;
}

/** The lowest ethN not taken (a disconnect frees its index for the next connect). */
export function freeIfIndex(taken: readonly string[]): number {
  const used = new Set(taken);
  let i = 0;
  while (used.has(containerIfName(i))) i++;
  return i;
}
