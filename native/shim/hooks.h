/* OCI hooks run by the shim (createRuntime) and the container child (createContainer,
 * startContainer): state JSON on stdin, timeout, non-zero exit fails the stage "hook". */
#ifndef BERTH_SHIM_HOOKS_H
#define BERTH_SHIM_HOOKS_H

#include "plan.h"

/* Runs every hook of the phase in plan order; pid is the container pid to put in the state. */
int hooks_run(const struct plan *p, enum hook_phase phase, pid_t pid, struct shim_err *e);
/* Does the plan have hooks of this phase? */
int hooks_has(const struct plan *p, enum hook_phase phase);

#endif
