/* Keeps the kernel's cgroup migration path warm while the launcher spawns shims (see
 * launcher_warm.c). */
#ifndef BERTH_SHIM_LAUNCHER_WARM_H
#define BERTH_SHIM_LAUNCHER_WARM_H

/* Finds our own cgroup.procs and starts the (idle) helper thread. Returns 0, or -1 when it
 * cannot be had (then warm_kick does nothing: spawns only lose the head start). */
int warm_start(void);

/* A shim is being spawned: keep migrations cheap for the next WARM_WINDOW_MS. */
void warm_kick(void);

#endif
