/* Namespace joins done in the shim, and opening a container's namespaces for exec. */
#include "nsjoin.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const int flag_of[NS_COUNT] = {
    [NS_PID] = CLONE_NEWPID, [NS_NET] = CLONE_NEWNET, [NS_IPC] = CLONE_NEWIPC, [NS_MNT] = CLONE_NEWNS,
    [NS_UTS] = CLONE_NEWUTS, [NS_USER] = CLONE_NEWUSER, [NS_CGROUP] = CLONE_NEWCGROUP, [NS_TIME] = CLONE_NEWTIME,
};

static int join_path(const char *path, int k, struct shim_err *e) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(e, "namespace", errno, "open %s namespace %s: %s", ns_names[k], path, strerror(errno));
  int r = setns(fd, flag_of[k]);
  int err = errno;
  close(fd);
  if (r < 0) return fail(e, "namespace", err, "join %s namespace %s: %s", ns_names[k], path, strerror(err));
  return 0;
}

int ns_join_early(const struct plan *p, struct shim_err *e) {
  static const int early[] = {NS_PID, NS_NET, NS_IPC, NS_UTS, NS_CGROUP, NS_TIME};
  for (size_t i = 0; i < sizeof(early) / sizeof(early[0]); i++) {
    int k = early[i];
    if (p->ns[k].present && p->ns[k].path && join_path(p->ns[k].path, k, e) < 0) return -1;
  }
  if (p->ns[NS_TIME].present && !p->ns[NS_TIME].path && unshare(CLONE_NEWTIME) < 0)
    return fail(e, "namespace", errno, "unshare time namespace: %s", strerror(errno));
  return 0;
}

void ns_close_all(int fds[NS_COUNT]) {
  for (int k = 0; k < NS_COUNT; k++) {
    if (fds[k] >= 0) close(fds[k]);
    fds[k] = -1;
  }
}

int ns_open_target(pid_t pid, int fds[NS_COUNT], struct shim_err *e) {
  for (int k = 0; k < NS_COUNT; k++) fds[k] = -1;
  for (int k = 0; k < NS_COUNT; k++) {
    char path[64], self[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_names[k]);
    snprintf(self, sizeof(self), "/proc/self/ns/%s", ns_names[k]);
    struct stat a, b;
    if (stat(path, &a) < 0) {
      if (errno == ENOENT && k == NS_TIME) continue; /* kernel without time namespaces */
      int err = errno;
      ns_close_all(fds);
      return fail(e, "namespace", err, "container process %d: %s: %s", (int)pid, path, strerror(err));
    }
    if (stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
    fds[k] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[k] < 0) {
      int err = errno;
      ns_close_all(fds);
      return fail(e, "namespace", err, "open %s: %s", path, strerror(err));
    }
  }
  return 0;
}

int ns_join_target_early(int fds[NS_COUNT], struct shim_err *e) {
  static const int early[] = {NS_PID, NS_TIME};
  for (size_t i = 0; i < 2; i++) {
    int k = early[i];
    if (fds[k] < 0) continue;
    if (setns(fds[k], flag_of[k]) < 0) return fail(e, "namespace", errno, "join the container's %s namespace: %s", ns_names[k], strerror(errno));
    close(fds[k]);
    fds[k] = -1;
  }
  return 0;
}
