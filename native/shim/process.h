/* The process part of the plan: limits, hostname, identity and capabilities, no_new_privs,
 * seccomp, working directory, and the final execve with a PATH search in the plan's env. */
#ifndef BERTH_SHIM_PROCESS_H
#define BERTH_SHIM_PROCESS_H

#include "plan.h"

int proc_rlimits(const struct plan *p, struct shim_err *e);
int proc_hostname(const struct plan *p, struct shim_err *e);
int proc_no_new_privs(const struct plan *p, struct shim_err *e);
/* Reads the compiled BPF program (berth-seccomp output) into the plan; done by the shim before
 * the child exists, while the host path is visible. */
int proc_seccomp_read(struct plan *p, struct shim_err *e);
/* Loads the program read by proc_seccomp_read with seccomp(2). */
int proc_seccomp(const struct plan *p, struct shim_err *e);
/* Creates the cwd (as root, before the identity switch). */
int proc_make_cwd(const struct plan *p, struct shim_err *e);
/* Bounding set, groups, uid/gid, capability sets, ambient set, umask, chdir(cwd). */
int proc_identity(const struct plan *p, struct shim_err *e);
/* Resets signal state inherited from the shim (blocked mask, ignored SIGPIPE). */
void proc_reset_signals(void);
/* execve with PATH search; returns only on failure (e filled, stage "exec"). */
int proc_exec(const struct plan *p, struct shim_err *e);

#endif
