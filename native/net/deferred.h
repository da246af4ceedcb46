/* Link deletions finished in the background. Unregistering a netdevice makes the deleting task
 * wait for RCU (synchronize_net, then rcu_barrier in netdev_run_todo): ~30 ms on a small VM,
 * most of a container's teardown. A forked child (single-threaded, in the host netns) sends
 * the RTM_DELLINK and waits instead, so the helper answers at once and goes on; any later
 * request that names the link waits for its deletion first. */
#ifndef BERTH_NET_DEFERRED_H
#define BERTH_NET_DEFERRED_H

/* Starts deleting the link in a child. 0, or -errno when no child could be made (the caller
 * then deletes synchronously). */
int deferred_link_delete(const char *name);
/* Number of deletions still running. */
int deferred_pending(void);
/* Collects finished deletions without blocking (a failure is reported on stderr). */
void deferred_reap(void);
/* Waits until no deletion of `name` is running. */
void deferred_wait_name(const char *name);
/* Waits for every running deletion. */
void deferred_wait_all(void);

#endif
