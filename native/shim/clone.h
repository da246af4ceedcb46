/* Starting the child: clone with the new namespaces (create) or fork (exec), then the shim's
 * half of the setup handshake (id maps, cgroup.procs, oom_score_adj, createRuntime hooks, pty). */
#ifndef BERTH_SHIM_CLONE_H
#define BERTH_SHIM_CLONE_H

#include "launch.h"

/* create, in two halves so the shim can do its own work while the child sets up:
 * spawn_create_begin clones and lets the child go (l->pid set); spawn_create_wait serves the
 * child until it is ready and waits for "start" (l->sock open). On failure of either the child
 * is killed and reaped. */
int spawn_create_begin(struct launch *l, struct shim_err *e);
int spawn_create_wait(struct launch *l, struct shim_err *e);
/* exec: on success the program was executed (l->pid set). */
int spawn_exec(struct launch *l, struct shim_err *e);
/* Kills and reaps the child (failure path). */
void spawn_kill(struct launch *l);

#endif
