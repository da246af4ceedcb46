/* Namespace joins done by the shim itself (before it clones/forks the child) and the opening of
 * a running container's namespaces for `exec`. */
#ifndef BERTH_SHIM_NSJOIN_H
#define BERTH_SHIM_NSJOIN_H

#include <sys/types.h>

#include "plan.h"

/* create: setns to the pid, net, ipc, uts, cgroup and time namespaces given by path, and
 * unshare a new time namespace. The shim is disposable in these respects: pid and time apply
 * to its children only, and the shim needs no network, ipc or hostname of its own. */
int ns_join_early(const struct plan *p, struct shim_err *e);
/* exec: opens /proc/PID/ns/<type> for every namespace that differs from the shim's own;
 * fds[k] = -1 for the same ones. */
int ns_open_target(pid_t pid, int fds[NS_COUNT], struct shim_err *e);
/* exec: joins the pid and time namespaces in the shim (closing those fds). */
int ns_join_target_early(int fds[NS_COUNT], struct shim_err *e);
void ns_close_all(int fds[NS_COUNT]);

#endif
