import type { Process } from "../oci/runtime.js";
import { invalidArgument } from "../errors/EngineError.js";
import { capabilityMasks, CAP_SETS, hexMask } from "./caps.js";
import { rlimitNumber, rlimitValue } from "./rlimits.js";
import type { PlanLine } from "./planLines.js";

/**
 * Plan lines for the process part of a spec: shared by `create` (the container's init) and
 * `exec` (a process joining it).
 */
export function processLines(p: Process, opts: { seccompPath?: string; seccompFlags?: number } = {}): PlanLine[] {
  const lines: PlanLine[] = [];
  const seen = new Set<string>();
  (p.rlimits ?? []).forEach((r, i) => {
    const field = `process.rlimits[${i}]`;
    if (seen.has(r.type)) throw invalidArgument(`validate spec: ${field}.type: rlimit ${r.type} listed twice`);
    seen.add(r.type);
    const soft = rlimitValue(r.soft, `${field}.soft`);
    const hard = rlimitValue(r.hard, `${field}.hard`);
    if (hard !== "-1" && (soft === "-1" || Number(soft) > Number(hard))) throw invalidArgument(`validate spec: ${field}: soft limit ${r.soft} is above hard limit ${r.hard}`);
    lines.push(["rlimit", rlimitNumber(r.type, `${field}.type`), soft, hard]);
  });
  if (p.oomScoreAdj !== undefined) {
    if (!Number.isInteger(p.oomScoreAdj) || p.oomScoreAdj < -1000 || p.oomScoreAdj > 1000) throw invalidArgument(`validate spec: process.oomScoreAdj: must be an integer in [-1000, 1000], got ${p.oomScoreAdj}`);
    lines.push(["oom_score_adj", p.oomScoreAdj]);
  }
  lines.push(["no_new_privs", p.noNewPrivileges ? 1 : 0]);
  // No capabilities object: leave them to the kernel's uid rules, as runc does (no caps line).
  if (p.capabilities) {
    const masks = capabilityMasks(p.capabilities);
    for (const set of CAP_SETS) lines.push(["caps", set, hexMask(masks[set])]);
  }
  const u = p.user;
  lines.push(["user", u.uid, u.gid]);
  lines.push(["groups", ...(u.additionalGids ?? [])]);
  lines.push(["umask", "0" + (u.umask ?? 0o022).toString(8)]);
  lines.push(["cwd", p.cwd]);
  for (const a of p.args ?? []) lines.push(["arg", a]);
  for (const e of p.env ?? []) lines.push(["env", e]);
  lines.push(["terminal", p.terminal ? 1 : 0]);
  if (p.terminal && p.consoleSize) lines.push(["console_size", p.consoleSize.height, p.consoleSize.width]);
  if (opts.seccompPath) lines.push(opts.seccompFlags ? ["seccomp", opts.seccompPath, opts.seccompFlags] : ["seccomp", opts.seccompPath]);
  return lines;
}
