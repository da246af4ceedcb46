import type { Status } from "../oci/runtime.js";

/**
 * The container status table as data (youki's container/state.rs): each verb checks its
 * `can*` before acting and fails with Conflict naming the current status.
 */
export interface StatusRules {
  canStart: boolean;
  canKill: boolean;
  /** Without --force. */
  canDelete: boolean;
  canExec: boolean;
  canPause: boolean;
  canResume: boolean;
}

export const STATUS_RULES: Readonly<Record<Status, StatusRules>> = {
  creating: { canStart: false, canKill: false, canDelete: false, canExec: false, canPause: false, canResume: false },
  // A created container may be deleted without --force: its init never ran user code (runc).
  created: { canStart: true, canKill: true, canDelete: true, canExec: true, canPause: true, canResume: false },
  running: { canStart: false, canKill: true, canDelete: false, canExec: true, canPause: true, canResume: false },
  paused: { canStart: false, canKill: true, canDelete: false, canExec: false, canPause: false, canResume: true },
  stopped: { canStart: false, canKill: false, canDelete: true, canExec: false, canPause: false, canResume: false },
};

export function canStart(s: Status): boolean {
  return STATUS_RULES[s].canStart;
}
export function canKill(s: Status): boolean {
  return STATUS_RULES[s].canKill;
}
export function canDelete(s: Status): boolean {
  return STATUS_RULES[s].canDelete;
}
export function canExec(s: Status): boolean {
  return STATUS_RULES[s].canExec;
}
export function canPause(s: Status): boolean {
  return STATUS_RULES[s].canPause;
}
export function canResume(s: Status): boolean {
  return STATUS_RULES[s].canResume;
}
