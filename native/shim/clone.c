/* Starting the child and the shim's half of the setup handshake. */
#include "clone.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hooks.h"
#include "msg.h"

static int write_idmap(pid_t pid, const char *file, const struct plan_idmap *m, size_t n, struct shim_err *e) {
  /* The kernel wants the whole map in a single write. */
  size_t cap = n * 64 + 1;
  char *buf = malloc(cap);
  if (!buf) return fail(e, "idmap", ENOMEM, "out of memory");
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(buf + len, cap - len, "%llu %llu %llu\n", (unsigned long long)m[i].container,
                            (unsigned long long)m[i].host, (unsigned long long)m[i].size);
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
  int r = write_file(path, buf);
  int err = errno;
  free(buf);
  if (r < 0) return fail(e, "idmap", err, "write %s: %s", path, strerror(err));
  return 0;
}

static int parent_setup(struct launch *l, struct shim_err *e) {
  struct plan *p = l->plan;
  char path[64], num[32];
  if (l->opt->mode == MODE_CREATE && p->ns[NS_USER].present && !p->ns[NS_USER].path) {
    snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)l->pid);
    if (p->setgroups_deny && write_file(path, "deny") < 0) return fail(e, "idmap", errno, "write %s: %s", path, strerror(errno));
    if (write_idmap(l->pid, "uid_map", p->uid_map, p->n_uid_map, e) < 0) return -1;
    if (write_idmap(l->pid, "gid_map", p->gid_map, p->n_gid_map, e) < 0) return -1;
  }
  snprintf(num, sizeof(num), "%d", (int)l->pid);
  for (size_t i = 0; i < p->n_cgroup_procs; i++)
    if (write_file(p->cgroup_procs[i], num) < 0)
      return fail(e, "cgroup", errno, "write pid %d to %s: %s", (int)l->pid, p->cgroup_procs[i], strerror(errno));
  if (p->has_oom_score_adj) {
    snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)l->pid);
    snprintf(num, sizeof(num), "%d", p->oom_score_adj);
    if (write_file(path, num) < 0) {
      int err = errno;
      return fail(e, "oom_score_adj", err, "write %s to %s: %s%s", num, path, strerror(err),
                  err == EACCES || err == EPERM ? " (lowering oom_score_adj needs CAP_SYS_RESOURCE)" : "");
    }
  }
  TMARK("cgroup.procs written");
  snprintf(num, sizeof(num), "go\t%d", (int)l->pid);
  if (msg_send(l->sock, num, -1) < 0) return fail(e, "clone", errno, "signal the child: %s", strerror(errno));
  return 0;
}

static int take_pty(struct launch *l, int master, struct shim_err *e) {
  if (l->opt->console_socket) {
    int r = console_socket_send(l->opt->console_socket, master, e);
    close(master);
    return r;
  }
  if (l->stdio.master >= 0) close(l->stdio.master);
  l->stdio.master = master;
  return 0;
}

/* Serves the child's requests until it reports "ready" (create) or closes the channel by
 * executing the program (exec: until_eof). */
static int parent_wait(struct launch *l, int until_eof, struct shim_err *e) {
  char buf[MSG_MAX];
  for (;;) {
    int fd = -1;
    ssize_t n = msg_recv(l->sock, buf, sizeof(buf), &fd);
    if (n < 0) return fail(e, "clone", errno, "read from the child: %s", strerror(errno));
    if (n == 0) {
      if (until_eof) return 0;
      return fail(e, "clone", ECHILD, "the container process exited during setup");
    }
    if (!strcmp(buf, "ready") && !until_eof) {
      TMARK("child ready");
      return 0;
    } else if (!strcmp(buf, "pty")) {
      if (fd < 0) return fail(e, "console", EPROTO, "pty message without a descriptor");
      if (take_pty(l, fd, e) < 0) return -1;
    } else if (!strcmp(buf, "hooks")) {
      if (fd >= 0) close(fd);
      if (hooks_run(l->plan, HOOK_CREATE_RUNTIME, l->pid, e) < 0) { msg_send_err(l->sock, e); return -1; }
      if (msg_send(l->sock, "ok", -1) < 0) return fail(e, "hook", errno, "signal the child: %s", strerror(errno));
    } else if (!strncmp(buf, "error\t", 6)) {
      if (fd >= 0) close(fd);
      err_parse(buf + 6, e);
      return -1;
    } else {
      if (fd >= 0) close(fd);
      return fail(e, "internal", EPROTO, "unexpected message from the child: %.40s", buf);
    }
  }
}

void spawn_kill(struct launch *l) {
  if (l->pid <= 0) return;
  kill(l->pid, SIGKILL);
  while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR) {}
  l->pid = -1;
}

static int make_channel(struct launch *l, struct shim_err *e) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return fail(e, "clone", errno, "socketpair: %s", strerror(errno));
  l->sock = sv[0];
  l->peer_sock = sv[1];
  return 0;
}

/* In the child the roles swap: it keeps the peer end as its channel. */
static void become_child(struct launch *l) {
  int mine = l->peer_sock;
  l->peer_sock = l->sock;
  l->sock = mine;
}

static unsigned long clone_flags(const struct plan *p) {
  unsigned long f = 0;
  int user_join = p->ns[NS_USER].present && p->ns[NS_USER].path;
  if (p->ns[NS_USER].present && !p->ns[NS_USER].path) f |= CLONE_NEWUSER;
  if (p->ns[NS_PID].present && !p->ns[NS_PID].path) f |= CLONE_NEWPID;
  if (!user_join) {
    if (p->ns[NS_MNT].present && !p->ns[NS_MNT].path) f |= CLONE_NEWNS;
    if (p->ns[NS_NET].present && !p->ns[NS_NET].path) f |= CLONE_NEWNET;
    if (p->ns[NS_IPC].present && !p->ns[NS_IPC].path) f |= CLONE_NEWIPC;
    if (p->ns[NS_UTS].present && !p->ns[NS_UTS].path) f |= CLONE_NEWUTS;
  }
  return f;
}

int spawn_create_begin(struct launch *l, struct shim_err *e) {
  l->pid = -1;
  if (make_channel(l, e) < 0) return -1;
  /* clone(2) without a stack behaves like fork, with namespace flags. */
  long pid = syscall(SYS_clone, clone_flags(l->plan) | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) {
    int err = errno;
    close(l->sock); close(l->peer_sock);
    l->sock = l->peer_sock = -1;
    return fail(e, "clone", err, "clone: %s", strerror(err));
  }
  if (pid == 0) {
    become_child(l);
    child_create_main(l);
  }
  TMARK("cloned");
  l->pid = (pid_t)pid;
  close(l->peer_sock);
  l->peer_sock = -1;
  stdio_close_child(&l->stdio);
  if (parent_setup(l, e) < 0) {
    spawn_kill(l);
    return -1;
  }
  return 0;
}

int spawn_create_wait(struct launch *l, struct shim_err *e) {
  if (parent_wait(l, 0, e) < 0) {
    spawn_kill(l);
    return -1;
  }
  return 0;
}

int spawn_exec(struct launch *l, struct shim_err *e) {
  l->pid = -1;
  if (make_channel(l, e) < 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(l->sock); close(l->peer_sock);
    l->sock = l->peer_sock = -1;
    return fail(e, "clone", err, "fork: %s", strerror(err));
  }
  if (pid == 0) {
    become_child(l);
    child_exec_main(l);
  }
  TMARK("exec: forked");
  l->pid = pid;
  close(l->peer_sock);
  l->peer_sock = -1;
  stdio_close_child(&l->stdio);
  for (int k = 0; k < NS_COUNT; k++) if (l->ns_fds[k] >= 0) { close(l->ns_fds[k]); l->ns_fds[k] = -1; }
  if (parent_setup(l, e) < 0 || parent_wait(l, 1, e) < 0) {
    spawn_kill(l);
    return -1;
  }
  close(l->sock);
  l->sock = -1;
  return 0;
}
