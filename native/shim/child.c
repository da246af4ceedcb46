/* The container child. Setup order (create), documented in native/README.md:
 *   wait for "go" (the shim wrote id maps, cgroup.procs, oom_score_adj) -> become root in a
 *   new user ns (or setns to a user ns, then unshare the other new namespaces) -> setns mnt ->
 *   unshare cgroup ns -> stdio -> rootfs propagation, bind, mounts, devices, symlinks ->
 *   createRuntime hooks (in the shim) -> createContainer hooks -> pivot_root -> console ->
 *   hostname -> sysctl, readonly, masked, readonly root -> rlimits -> mkdir cwd ->
 *   no_new_privs -> [seccomp when no_new_privs is 0] -> bounding set, groups, uid/gid, caps,
 *   umask, chdir -> "ready" -> wait for "start" -> startContainer hooks ->
 *   [seccomp when no_new_privs is 1] -> execve.
 * Every failure is sent to the shim as an error line and the child exits. */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hooks.h"
#include "mounts.h"
#include "msg.h"
#include "process.h"

static void die(struct launch *l, const struct shim_err *e) __attribute__((noreturn));
static void die(struct launch *l, const struct shim_err *e) {
  msg_send_err(l->sock, e);
  _exit(e->stage[0] == 'e' && !strcmp(e->stage, "exec") ? (e->err == ENOENT ? 127 : 126) : 1);
}

/* Waits for a message from the shim; "error..." from the shim (failed createRuntime hook) or
 * EOF (shim gone) end the child. */
static void expect(struct launch *l, const char *want, char *buf, size_t len) {
  struct shim_err e;
  ssize_t n = msg_recv(l->sock, buf, len, NULL);
  if (n <= 0) _exit(1);
  if (!strncmp(buf, want, strlen(want))) return;
  if (!strncmp(buf, "error\t", 6)) { err_parse(buf + 6, &e); _exit(1); }
  fail(&e, "internal", EPROTO, "unexpected message from the shim: %.40s", buf);
  die(l, &e);
}

static int become_root(void) {
  if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) return -1;
  return 0;
}

/* Seccomp goes last when no_new_privs is set; without it the filter needs CAP_SYS_ADMIN, so it
 * is loaded before the identity switch (as runc does). */
static void process_setup(struct launch *l, struct shim_err *e) {
  struct plan *p = l->plan;
  if (proc_no_new_privs(p, e) < 0) die(l, e);
  if (!p->no_new_privs && proc_seccomp(p, e) < 0) die(l, e);
  if (proc_identity(p, e) < 0) die(l, e);
  /* Credential changes clear the parent-death signal. */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

static void finish_exec(struct launch *l, struct shim_err *e) __attribute__((noreturn));
static void finish_exec(struct launch *l, struct shim_err *e) {
  struct plan *p = l->plan;
  if (p->no_new_privs && proc_seccomp(p, e) < 0) die(l, e);
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  /* Only 0-2 and the channel (close-on-exec: its closing tells the shim execve worked). */
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  proc_exec(p, e);
  die(l, e);
}

void child_create_main(struct launch *l) {
  struct plan *p = l->plan;
  struct shim_err e;
  char buf[MSG_MAX];
  close(l->peer_sock);
  /* Nothing of the shim's (state dir, log, signalfd, report pipe) stays in the container. */
  int keep[] = {l->sock, l->stdio.child[0], l->stdio.child[1], l->stdio.child[2]};
  close_others(keep, 4);
  l->stdio.in_w = l->stdio.out_r = l->stdio.err_r = l->stdio.master = -1; /* closed just now */
  proc_reset_signals();
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  expect(l, "go\t", buf, sizeof(buf));
  pid_t host_pid = (pid_t)atoi(buf + 3);
  TMARK("child: go");

  int userns_new = p->ns[NS_USER].present && !p->ns[NS_USER].path;
  if (userns_new && become_root() < 0) { fail(&e, "user", errno, "become root in the user namespace: %s", strerror(errno)); die(l, &e); }
  if (p->ns[NS_USER].present && p->ns[NS_USER].path) {
    int fd = open(p->ns[NS_USER].path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0) { fail(&e, "namespace", errno, "join user namespace %s: %s", p->ns[NS_USER].path, strerror(errno)); die(l, &e); }
    close(fd);
    if (become_root() < 0) { fail(&e, "user", errno, "become root in user namespace %s: %s", p->ns[NS_USER].path, strerror(errno)); die(l, &e); }
    /* Namespaces created now belong to the joined user namespace (pid was created by clone). */
    int flags = 0;
    if (p->ns[NS_MNT].present && !p->ns[NS_MNT].path) flags |= CLONE_NEWNS;
    if (p->ns[NS_NET].present && !p->ns[NS_NET].path) flags |= CLONE_NEWNET;
    if (p->ns[NS_IPC].present && !p->ns[NS_IPC].path) flags |= CLONE_NEWIPC;
    if (p->ns[NS_UTS].present && !p->ns[NS_UTS].path) flags |= CLONE_NEWUTS;
    if (flags && unshare(flags) < 0) { fail(&e, "namespace", errno, "unshare namespaces: %s", strerror(errno)); die(l, &e); }
  }
  if (p->ns[NS_MNT].present && p->ns[NS_MNT].path) {
    int fd = open(p->ns[NS_MNT].path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) { fail(&e, "namespace", errno, "join mount namespace %s: %s", p->ns[NS_MNT].path, strerror(errno)); die(l, &e); }
    close(fd);
  }
  if (p->ns[NS_CGROUP].present && !p->ns[NS_CGROUP].path && unshare(CLONE_NEWCGROUP) < 0) {
    fail(&e, "namespace", errno, "unshare cgroup namespace: %s", strerror(errno));
    die(l, &e);
  }
  if (stdio_child_install(&l->stdio, &e) < 0) die(l, &e);
  umask(0);

  int new_mnt = p->ns[NS_MNT].present && !p->ns[NS_MNT].path;
  int rootfd = -1;
  if (new_mnt && p->rootfs) {
    if (mounts_prepare(p, p->ns[NS_USER].present, &rootfd, &e) < 0) die(l, &e);
  }
  TMARK("child: mounts done");
  if (hooks_has(p, HOOK_CREATE_RUNTIME)) {
    if (msg_send(l->sock, "hooks", -1) < 0) _exit(1);
    expect(l, "ok", buf, sizeof(buf));
  }
  if (hooks_run(p, HOOK_CREATE_CONTAINER, host_pid, &e) < 0) die(l, &e);
  if (new_mnt && p->rootfs) {
    if (mounts_pivot(p, rootfd, &e) < 0) die(l, &e);
    close(rootfd);
    TMARK("child: pivoted");
  } else if (p->rootfs && !p->ns[NS_MNT].present) {
    if (chroot(p->rootfs) < 0 || chdir("/") < 0) { fail(&e, "pivot_root", errno, "chroot %s: %s", p->rootfs, strerror(errno)); die(l, &e); }
  } else if (chdir("/") < 0) {
    fail(&e, "pivot_root", errno, "chdir /: %s", strerror(errno));
    die(l, &e);
  }
  if (p->terminal) {
    int master;
    if (pty_setup(p, new_mnt, &master, &e) < 0) die(l, &e);
    if (msg_send(l->sock, "pty", master) < 0) _exit(1);
    close(master);
  }
  if (proc_hostname(p, &e) < 0) die(l, &e);
  if (new_mnt && mounts_finalize(p, &e) < 0) die(l, &e);
  TMARK("child: finalized");
  if (proc_rlimits(p, &e) < 0) die(l, &e);
  if (proc_make_cwd(p, &e) < 0) die(l, &e);
  process_setup(l, &e);
  TMARK("child: process set");
  if (msg_send(l->sock, "ready", -1) < 0) _exit(1);
  expect(l, "start", buf, sizeof(buf));
  if (hooks_run(p, HOOK_START_CONTAINER, host_pid, &e) < 0) die(l, &e);
  finish_exec(l, &e);
}

static const int ns_clone_flag[NS_COUNT] = {
    [NS_PID] = CLONE_NEWPID, [NS_NET] = CLONE_NEWNET, [NS_IPC] = CLONE_NEWIPC, [NS_MNT] = CLONE_NEWNS,
    [NS_UTS] = CLONE_NEWUTS, [NS_USER] = CLONE_NEWUSER, [NS_CGROUP] = CLONE_NEWCGROUP, [NS_TIME] = CLONE_NEWTIME,
};

void child_exec_main(struct launch *l) {
  struct plan *p = l->plan;
  struct shim_err e;
  char buf[MSG_MAX];
  close(l->peer_sock);
  int keep[3 + 1 + NS_COUNT] = {l->sock, l->stdio.child[0], l->stdio.child[1], l->stdio.child[2]};
  for (int k = 0; k < NS_COUNT; k++) keep[4 + k] = l->ns_fds[k];
  close_others(keep, 4 + NS_COUNT);
  l->stdio.in_w = l->stdio.out_r = l->stdio.err_r = l->stdio.master = -1; /* closed just now */
  proc_reset_signals();
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  expect(l, "go\t", buf, sizeof(buf));
  TMARK("exec child: go");
  /* Two passes, as runc: the namespaces the shim (host root) may join are joined before the
   * user namespace (a remapped container's network namespace belongs to the host's user
   * namespace: from inside the container's it is EPERM), the others (owned by the container's
   * user namespace, when the shim is not root enough) after it. Pid and time were joined by
   * the shim before fork (they apply to children). */
  static const int order[] = {NS_MNT, NS_NET, NS_IPC, NS_UTS, NS_CGROUP, NS_USER, NS_MNT, NS_NET, NS_IPC, NS_UTS, NS_CGROUP};
  for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
    int k = order[i];
    int first_pass = i < 5;
    if (l->ns_fds[k] < 0) continue;
    if (setns(l->ns_fds[k], ns_clone_flag[k]) < 0) {
      if (first_pass && errno == EPERM && l->ns_fds[NS_USER] >= 0) continue;
      fail(&e, "namespace", errno, "join %s namespace of the container: %s", ns_names[k], strerror(errno));
      die(l, &e);
    }
    close(l->ns_fds[k]);
    l->ns_fds[k] = -1;
    if (k == NS_USER && become_root() < 0) { fail(&e, "user", errno, "become root in the container's user namespace: %s", strerror(errno)); die(l, &e); }
  }
  for (int k = 0; k < NS_COUNT; k++) if (l->ns_fds[k] >= 0) { close(l->ns_fds[k]); l->ns_fds[k] = -1; }
  if (stdio_child_install(&l->stdio, &e) < 0) die(l, &e);
  if (chdir("/") < 0) { fail(&e, "cwd", errno, "chdir /: %s", strerror(errno)); die(l, &e); }
  if (p->terminal) {
    int master;
    if (pty_setup(p, 0, &master, &e) < 0) die(l, &e);
    if (msg_send(l->sock, "pty", master) < 0) _exit(1);
    close(master);
  }
  /* docker exec inherits the container's --ulimit values (the plan carries them). */
  if (proc_rlimits(p, &e) < 0) die(l, &e);
  process_setup(l, &e);
  finish_exec(l, &e);
}
