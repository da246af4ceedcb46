/**
 * The warm pool's operations of a NetOps (NetOps.vethPrepare / vethTake, optional members of
 * the pinned contract): undefined when the ops lack them (a recording test double without a
 * pool), and then the pool holds bare namespaces only.
 */
import type { NetOps } from "./NetOps.js";

export type PoolVethOps = Required<Pick<NetOps, "vethPrepare" | "vethTake">>;

export function poolVethOps(ops: NetOps): PoolVethOps | undefined {
  if (ops.vethPrepare && ops.vethTake) return { vethPrepare: ops.vethPrepare.bind(ops), vethTake: ops.vethTake.bind(ops) };
  return undefined;
}
