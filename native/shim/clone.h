/* Starting the child: clone with the new namespaces (create) or fork (exec), then the shim's
 * half of the setup handshake (id maps, cgroup.procs, oom_score_adj, createRuntime hooks, pty). */
#ifndef BERTH_SHIM_CLONE_H
#define BERTH_SHIM_CLONE_H

#include "launch.h"

/* create: on success the child waits for "start" (l->pid set, l->sock open). On failure the
 * child is killed and reaped. */
int spawn_create(struct launch *l, struct shim_err *e);
/* exec: on success the program was executed (l->pid set). */
int spawn_exec(struct launch *l, struct shim_err *e);
/* Kills and reaps the child (failure path). */
void spawn_kill(struct launch *l);

#endif
