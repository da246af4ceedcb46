#ifndef BERTH_NET_NETNS_H
#define BERTH_NET_NETNS_H

#include "helper.h"

/* Opens a netns file (a bind mount of an nsfs inode) O_RDONLY; -EINVAL when it is something
 * else. Returns the fd or -errno. */
int netns_open(const char *path);
/* Moves the helper into the netns of fd. 0 or -errno. */
int netns_enter(int fd);
/* Moves the helper back into its own netns. If that fails the helper would go on applying host
 * changes inside a container's namespace, so it exits instead (the client restarts it). */
void netns_return(struct helper *h);

#endif
