import { test } from "node:test";
import { strict as assert } from "node:assert";
import { STATUS_RULES, canDelete, canExec, canKill, canPause, canResume, canStart } from "./state.js";
import type { Status } from "../oci/runtime.js";

test("status table: which verbs each status allows", () => {
  const expect: Record<Status, string> = {
    creating: "",
    created: "start kill delete exec pause",
    running: "kill exec pause",
    paused: "kill resume",
    stopped: "delete",
  };
  for (const s of Object.keys(STATUS_RULES) as Status[]) {
    const allowed = [
      canStart(s) && "start",
      canKill(s) && "kill",
      canDelete(s) && "delete",
      canExec(s) && "exec",
      canPause(s) && "pause",
      canResume(s) && "resume",
    ].filter(Boolean);
    assert.equal(allowed.join(" "), expect[s], s);
  }
});
