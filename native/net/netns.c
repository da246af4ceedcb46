/* Network namespace files: netns_create / netns_delete, and entering/leaving a netns. The helper
 * is single-threaded, so setns() moves the whole process; every path that enters a namespace
 * leaves it through netns_return() before replying. */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int netns_open(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct statfs sfs;
  if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC) {
    close(fd);
    return -EINVAL;
  }
  return fd;
}

int netns_enter(int fd) { return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0; }

void netns_return(struct helper *h) {
  if (setns(h->host_ns, CLONE_NEWNET) == 0) return;
  fprintf(stderr, "berth-netlink: cannot return to the host network namespace: %s\n", strerror(errno));
  _exit(70);
}

/* Brings `lo` up in the current netns through a socket opened there. */
static int lo_up(char extack[EXTACK_MAX]) {
  struct nl nl;
  int r = nl_open(&nl);
  if (r < 0) return r;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = (int)if_nametoindex("lo"), .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
  if (ifi.ifi_index == 0) { nl_close(&nl); return -ENODEV; }
  struct nlreq req;
  nlreq_init(&req, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
  r = nl_talk(&nl, &req, NULL, NULL, extack);
  nl_close(&nl);
  return r;
}

/* IPv6 off in the current netns, for every device in it and every device made or moved in later
 * (`all` also sets `default`), as Docker does for a container on a network without IPv6
 * (berth's networks have none): no link-local address on eth0, and no DAD, router
 * solicitations or MLD reports on each start. `--sysctl net.ipv6.conf.all.disable_ipv6=0`
 * still turns it on (the shim applies it later). A kernel without IPv6 has no such file. */
static int ipv6_off(void) {
  int fd = open("/proc/sys/net/ipv6/conf/all/disable_ipv6", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -errno;
  int r = write(fd, "1", 1) == 1 ? 0 : -errno;
  close(fd);
  return r;
}

int op_netns_create(struct helper *h, char **f, struct reply *rp) {
  const char *path = f[0];
  if (path[0] != '/') return op_fail_text(rp, EINVAL, "netns_create %s: path must be absolute", path);
  int created = 0;
  int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd >= 0) {
    created = 1;
    close(fd);
  } else if (errno == EEXIST) {
    /* A plain file left by a crash is reused; a live namespace is not replaced. */
    struct statfs sfs;
    if (statfs(path, &sfs) == 0 && sfs.f_type == NSFS_MAGIC)
      return op_fail_text(rp, EEXIST, "netns_create %s: a network namespace is already mounted there", path);
  } else {
    return op_fail(rp, errno, NULL, "netns_create %s: create file", path);
  }

  if (unshare(CLONE_NEWNET) < 0) {
    int e = errno;
    if (created) unlink(path);
    return op_fail(rp, e, NULL, "netns_create %s: new network namespace", path);
  }
  int r = ipv6_off();
  if (r < 0) {
    netns_return(h);
    if (created) unlink(path);
    return op_fail(rp, -r, NULL, "netns_create %s: disable IPv6", path);
  }
  char extack[EXTACK_MAX] = "";
  r = lo_up(extack);
  if (r < 0) {
    netns_return(h);
    if (created) unlink(path);
    return op_fail(rp, -r, extack, "netns_create %s: bring lo up", path);
  }
  if (mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL) < 0) {
    int e = errno;
    netns_return(h);
    if (created) unlink(path);
    return op_fail(rp, e, NULL, "netns_create %s: bind mount", path);
  }
  netns_return(h);
  return 0;
}

int op_netns_delete(struct helper *h, char **f, struct reply *rp) {
  const char *path = f[0];
  if (path[0] != '/') return op_fail_text(rp, EINVAL, "netns_delete %s: path must be absolute", path);
  /* Several mounts may be stacked on the file (a retried create); take them all off. EINVAL:
   * nothing (more) is mounted there. */
  for (int i = 0; i < 16; i++) {
    if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) continue;
    if (errno == EINVAL || errno == ENOENT) break;
    return op_fail(rp, errno, NULL, "netns_delete %s: unmount", path);
  }
  if (unlink(path) < 0 && errno != ENOENT) return op_fail(rp, errno, NULL, "netns_delete %s: remove file", path);
  return 0;
}
