/**
 * The warm pool's operations of a NetOps (NetOps.vethPrepare / vethTake). The daemon's NetOps is
 * the berth-netlink client (src/sys/netHelper.ts), which has no methods of its own for them
 * yet but sends any request line through its public request(); so they are made from that,
 * in the helper protocol's field order (docs/networking.md, "netlink helper protocol").
 */
import type { NetOps } from "./NetOps.js";

export type PoolVethOps = Required<Pick<NetOps, "vethPrepare" | "vethTake">>;

interface LineRequests {
  request(op: string, object: string, fields: (string | number)[]): Promise<string[]>;
}

/** The ops' own methods, else ones over its request(); undefined when it has neither. */
export function poolVethOps(ops: NetOps): PoolVethOps | undefined {
  if (ops.vethPrepare && ops.vethTake) return { vethPrepare: ops.vethPrepare.bind(ops), vethTake: ops.vethTake.bind(ops) };
  const lines = ops as NetOps & Partial<LineRequests>;
  if (typeof lines.request !== "function") return undefined;
  const request = lines.request.bind(ops);
  return {
    async vethPrepare(r) {
      await request("veth_prepare", r.hostName, [r.hostName, r.netnsPath, r.ifName, r.mtu, r.routeMtu ? String(r.routeMtu) : ""]);
    },
    async vethTake(r) {
      await request("veth_take", r.hostName, [r.hostName, r.netnsPath, r.ifName, r.mac, r.bridge, r.isolated ? "1" : "0", r.cidr, r.gateway, r.routeMtu ? String(r.routeMtu) : ""]);
    },
  };
}
