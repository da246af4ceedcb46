/* `berth-shim launcher`: a small resident process that forks and executes shims for a caller
 * whose own fork(2) is expensive, and mounts and unmounts for it (launcher_mount.c). Node's child_process.spawn forks the whole runtime (page
 * tables of a 50-250 MiB heap: 1.3 ms at 43 MiB RSS, 10.8 ms at 251 MiB, measured), blocking
 * its event loop; forking this process costs ~0.1 ms. The protocol is in native/README.md
 * ("berth-shim launcher"). It holds no container state: if it dies, the caller spawns
 * directly again; shims it started do not depend on it (they daemonize). */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "idmap.h"
#include "launcher_mount.h"
#include "launcher_self.h"
#include "launcher_warm.h"
#include "lines.h"
#include "util.h"

#define UMOUNT_THREADS_MAX 32 /* unmounts in flight at once; more wait in the main loop */
#define REQ_MAX (256 * 1024) /* a request line longer than this is a protocol error */
#define SYNC_MAX 1024        /* the first line on the sync pipe is at most this long */

struct job {
  char *tag;
  pid_t pid;     /* 0 once reaped */
  int sync_fd;   /* read end of the child's fd 3; -1 once the first line (or EOF) was relayed */
  char sync[SYNC_MAX];
  size_t len;
};

struct launcher {
  int ctl;
  int sigfd;
  char *req;
  size_t req_len;
  struct job *jobs;
  size_t njobs, cap;
};

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int umount_threads;

/* Appends one escaped field (the line format of native/README.md) to out. */
static size_t put_field(char *out, size_t pos, size_t cap, const char *f, size_t n) {
  for (size_t i = 0; i < n && pos + 2 < cap; i++) {
    char c = f[i];
    if (c == '\\' || c == '\n' || c == '\t') {
      out[pos++] = '\\';
      out[pos++] = c == '\\' ? '\\' : c == '\n' ? 'n' : 't';
    } else {
      out[pos++] = c;
    }
  }
  return pos;
}

/* Sends "<what>\t<tag>[\t<field>][\t<raw>]\n" (field escaped; raw is trusted text without
 * tabs or newlines). The caller is gone if this fails, and we exit on the EOF that follows. */
static void answer(struct launcher *L, const char *what, const char *tag, const char *field, size_t field_len, const char *raw) {
  char buf[SYNC_MAX * 2 + 512];
  size_t pos = 0, cap = sizeof(buf);
  pos = put_field(buf, pos, cap, what, strlen(what));
  buf[pos++] = '\t';
  pos = put_field(buf, pos, cap - 8, tag, strlen(tag));
  if (field) {
    buf[pos++] = '\t';
    pos = put_field(buf, pos, cap - 96, field, field_len);
  }
  if (raw) {
    /* snprintf returns what it wanted to write: clamp to what fits (before the newline). */
    int n = snprintf(buf + pos, cap - pos - 1, "\t%s", raw);
    if (n > 0) pos += (size_t)n < cap - pos - 1 ? (size_t)n : cap - pos - 2;
  }
  buf[pos++] = '\n';
  /* Unmount threads answer too: one whole line at a time. */
  pthread_mutex_lock(&out_lock);
  write_all(L->ctl, buf, pos);
  pthread_mutex_unlock(&out_lock);
}

static void answer_error(struct launcher *L, const char *tag, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void answer_error(struct launcher *L, const char *tag, int err, const char *fmt, ...) {
  char msg[600], num[16];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  for (char *c = msg; *c; c++) if (*c == '\t' || *c == '\n') *c = ' ';
  snprintf(num, sizeof(num), "%d", err);
  answer(L, "error", tag, num, strlen(num), msg);
}

static void job_drop(struct launcher *L, size_t i) {
  free(L->jobs[i].tag);
  L->jobs[i] = L->jobs[--L->njobs];
}

static void sync_done(struct launcher *L, struct job *j) {
  char *nl = memchr(j->sync, '\n', j->len);
  answer(L, "sync", j->tag, j->sync, nl ? (size_t)(nl - j->sync) : j->len, NULL);
  close(j->sync_fd);
  j->sync_fd = -1;
}

/* Opens `path` and makes it fd `target` (the child's stdio from paths). */
static int open_as(const char *path, int flags, int target) {
  int fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return -1;
  if (fd == target) return fcntl(fd, F_SETFD, 0);
  int r = dup2(fd, target);
  close(fd);
  return r < 0 ? -1 : 0;
}

/* The child: the caller's stdio, /dev/null, or the given paths (stdin read, stdout and stderr
 * written: an exec's FIFOs, whose other ends the caller holds, so no open blocks), the sync
 * pipe as fd 3, default signals, exec (or, for the launcher's own program, its main called
 * here: launcher_self.c). A stdio path that cannot be opened exits 127 before anything ran:
 * the caller sees an empty sync line. */
static void child_exec(int sync_w, int ignore_stdio, char *const *paths, char **argv, int self) __attribute__((noreturn));
static void child_exec(int sync_w, int ignore_stdio, char *const *paths, char **argv, int self) {
  TMARK("launcher child: begin");
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  if (sync_w < 3) { /* keep it clear of the stdio fds about to be replaced */
    int moved = fcntl(sync_w, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) _exit(127);
    sync_w = moved;
  }
  if (ignore_stdio) {
    int null = open("/dev/null", O_RDWR);
    if (null < 0) _exit(127);
    for (int i = 0; i < 3; i++) dup2(null, i);
    if (null > 2) close(null);
  } else if (paths) {
    if (open_as(paths[0], O_RDONLY, 0) < 0 || open_as(paths[1], O_WRONLY, 1) < 0 || open_as(paths[2], O_WRONLY, 2) < 0) _exit(127);
  }
  if (sync_w == 3) {
    fcntl(3, F_SETFD, 0);
  } else if (dup2(sync_w, 3) < 0) {
    _exit(127);
  }
  close_range(4, ~0U, 0);
  TMARK("launcher child: stdio");
  if (self) launcher_run_self(argv);
  execv(argv[0], argv);
  _exit(127);
}

/* spawn <tag> <inherit|ignore> <program> [args...]
 * spawn <tag> paths <stdin> <stdout> <stderr> <program> [args...] */
static void handle_spawn(struct launcher *L, struct line *ln) {
  TMARK("launcher: spawn request");
  const char *tag = ln->nfields > 1 ? ln->fields[1] : "";
  if (ln->nfields < 4) { answer_error(L, tag, EINVAL, "spawn needs a tag, a stdio mode and a program"); return; }
  const char *mode = ln->fields[2];
  int ignore = !strcmp(mode, "ignore");
  char *const *paths = NULL;
  int prog = 3;
  if (!strcmp(mode, "paths")) {
    if (ln->nfields < 7) { answer_error(L, tag, EINVAL, "spawn paths needs stdin, stdout and stderr paths and a program"); return; }
    paths = &ln->fields[3];
    prog = 6;
  } else if (!ignore && strcmp(mode, "inherit")) {
    answer_error(L, tag, EINVAL, "stdio must be inherit, ignore or paths");
    return;
  }
  int argc = ln->nfields - prog;
  /* What spawn(2) would report, before anything is made (the caller treats it as a spawn error). */
  if (access(ln->fields[prog], X_OK) < 0) { answer_error(L, tag, errno, "%s: %s", ln->fields[prog], strerror(errno)); return; }
  if (L->njobs == L->cap) {
    size_t cap = L->cap ? L->cap * 2 : 8;
    struct job *n = realloc(L->jobs, cap * sizeof(*n));
    if (!n) { answer_error(L, tag, ENOMEM, "out of memory"); return; }
    L->jobs = n;
    L->cap = cap;
  }
  char **argv = calloc((size_t)argc + 1, sizeof(char *));
  char *tagcopy = strdup(tag);
  if (!argv || !tagcopy) { free(argv); free(tagcopy); answer_error(L, tag, ENOMEM, "out of memory"); return; }
  for (int i = 0; i < argc; i++) argv[i] = ln->fields[prog + i];
  int self = launcher_is_self(argv[0]);
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    int err = errno;
    free(argv); free(tagcopy);
    answer_error(L, tag, err, "pipe: %s", strerror(err));
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(p[0]); close(p[1]);
    free(argv); free(tagcopy);
    answer_error(L, tag, err, "fork: %s", strerror(err));
    return;
  }
  if (pid == 0) child_exec(p[1], ignore, paths, argv, self);
  TMARK("launcher: forked");
  warm_kick(); /* the shim is about to write cgroup.procs (launcher_warm.c) */
  free(argv);
  close(p[1]);
  set_nonblock(p[0], 1);
  struct job *j = &L->jobs[L->njobs++];
  memset(j, 0, sizeof(*j));
  j->tag = tagcopy;
  j->pid = pid;
  j->sync_fd = p[0];
  char num[24];
  snprintf(num, sizeof(num), "%d", (int)pid);
  answer(L, "pid", tag, num, strlen(num), NULL);
}

/* mkfifo <tag> <octal mode> <path>...: FIFOs made here (an exec's stdio), all or none. */
static void handle_mkfifo(struct launcher *L, struct line *ln) {
  const char *tag = ln->nfields > 1 ? ln->fields[1] : "";
  uint64_t mode;
  if (ln->nfields < 4 || parse_u64(ln->fields[2], 8, &mode) < 0 || mode > 07777) {
    answer_error(L, tag, EINVAL, "mkfifo needs a tag, an octal mode and paths");
    return;
  }
  for (int i = 3; i < ln->nfields; i++) {
    if (mkfifo(ln->fields[i], (mode_t)mode) < 0) {
      int err = errno;
      for (int j = 3; j < i; j++) unlink(ln->fields[j]);
      answer_error(L, tag, err, "mkfifo %s: %s", ln->fields[i], strerror(err));
      return;
    }
  }
  answer(L, "ok", tag, NULL, 0, NULL);
}

/* mount <tag> <source> <target> <fstype> <flags> <data> <cwd>: done here, not in a child. */
static void handle_mount(struct launcher *L, struct line *ln) {
  const char *tag = ln->nfields > 1 ? ln->fields[1] : "";
  uint64_t flags;
  if (ln->nfields != 8 || parse_u64(ln->fields[5], 10, &flags) < 0) {
    answer_error(L, tag, EINVAL, "mount needs a tag, source, target, fstype, decimal flags, data and cwd");
    return;
  }
  char msg[512];
  int err = launcher_mount(ln->fields[2], ln->fields[3], ln->fields[4], (unsigned long)flags, ln->fields[6], ln->fields[7], msg, sizeof(msg));
  if (err) answer_error(L, tag, err, "%s", msg);
  else answer(L, "ok", tag, NULL, 0, NULL);
}

/* idmapped_mount <tag> <source> <target> <fstype> <flags> <data> <cwd> <uid_map> <gid_map>: a mount
 * request whose directories are idmapped first (idmap.h; maps "c:h:s[,c:h:s...]"). */
static void handle_idmapped_mount(struct launcher *L, struct line *ln) {
  const char *tag = ln->nfields > 1 ? ln->fields[1] : "";
  uint64_t flags;
  if (ln->nfields != 10 || parse_u64(ln->fields[5], 10, &flags) < 0) {
    answer_error(L, tag, EINVAL, "idmapped_mount needs a tag, source, target, fstype, decimal flags, data, cwd, uid map and gid map");
    return;
  }
  char msg[512] = "";
  int err = idmap_mount(ln->fields[2], ln->fields[3], ln->fields[4], (unsigned long)flags, ln->fields[6], ln->fields[7], ln->fields[8], ln->fields[9], msg, sizeof(msg));
  if (err) answer_error(L, tag, err, "%s", msg);
  else answer(L, "ok", tag, NULL, 0, NULL);
}

struct umount_job {
  struct launcher *L;
  char *tag, *target;
  int flags;
};

static void umount_run(struct umount_job *j) {
  char msg[512];
  int err = launcher_umount(j->target, j->flags, msg, sizeof(msg));
  if (err) answer_error(j->L, j->tag, err, "%s", msg);
  else answer(j->L, "ok", j->tag, NULL, 0, NULL);
  free(j->tag);
  free(j->target);
  free(j);
}

static void *umount_thread(void *arg) {
  umount_run(arg);
  atomic_fetch_sub(&umount_threads, 1);
  return NULL;
}

/* umount <tag> <target> <flags>. Each in a thread of its own: unmounting an overlay syncs its
 * upper filesystem (a journal commit, several ms on a busy disk), and concurrent unmounts share
 * the commit instead of queueing behind each other and in front of spawns. A caller sends one
 * unmount of a target at a time, so per target the order stays. */
static void handle_umount(struct launcher *L, struct line *ln) {
  const char *tag = ln->nfields > 1 ? ln->fields[1] : "";
  uint64_t flags;
  if (ln->nfields != 4 || parse_u64(ln->fields[3], 10, &flags) < 0 || flags > 0xffff) {
    answer_error(L, tag, EINVAL, "umount needs a tag, a target and decimal flags");
    return;
  }
  struct umount_job *j = calloc(1, sizeof(*j));
  if (j) {
    j->L = L;
    j->tag = strdup(tag);
    j->target = strdup(ln->fields[2]);
    j->flags = (int)flags;
  }
  if (!j || !j->tag || !j->target) {
    if (j) { free(j->tag); free(j->target); free(j); }
    answer_error(L, tag, ENOMEM, "out of memory");
    return;
  }
  if (atomic_fetch_add(&umount_threads, 1) < UMOUNT_THREADS_MAX) {
    pthread_attr_t attr;
    pthread_t t;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int rc = pthread_create(&t, &attr, umount_thread, j);
    pthread_attr_destroy(&attr);
    if (rc == 0) return;
  }
  atomic_fetch_sub(&umount_threads, 1);
  umount_run(j); /* too many in flight (or no thread): here, in order */
}

static void handle_requests(struct launcher *L) {
  char *nl;
  while ((nl = memchr(L->req, '\n', L->req_len))) {
    size_t n = (size_t)(nl - L->req) + 1;
    char *copy = malloc(n);
    if (!copy) _exit(1);
    memcpy(copy, L->req, n);
    memmove(L->req, L->req + n, L->req_len - n);
    L->req_len -= n;
    struct lines ls;
    char err[128];
    /* lines_parse_buffer owns copy from here on (lines_free releases it, also after an error). */
    if (lines_parse_buffer(copy, n, &ls, err, sizeof(err)) < 0 || ls.nlines != 1 || ls.items[0].nfields < 1) {
      lines_free(&ls);
      answer_error(L, "", EINVAL, "malformed request");
      continue;
    }
    struct line *ln = &ls.items[0];
    if (!strcmp(ln->fields[0], "spawn")) handle_spawn(L, ln);
    else if (!strcmp(ln->fields[0], "mount")) handle_mount(L, ln);
    else if (!strcmp(ln->fields[0], "idmapped_mount")) handle_idmapped_mount(L, ln);
    else if (!strcmp(ln->fields[0], "umount")) handle_umount(L, ln);
    else if (!strcmp(ln->fields[0], "mkfifo")) handle_mkfifo(L, ln);
    else answer_error(L, ln->nfields > 1 ? ln->fields[1] : "", EINVAL, "unknown request %.40s", ln->fields[0]);
    lines_free(&ls);
  }
}

/* Exit answers may come before or after the sync answer (a grandchild can hold the pipe). */
static void reap(struct launcher *L) {
  struct signalfd_siginfo si;
  while (read(L->sigfd, &si, sizeof(si)) == sizeof(si)) {}
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, WNOHANG);
    if (p <= 0) break;
    for (size_t i = 0; i < L->njobs; i++) {
      struct job *j = &L->jobs[i];
      if (j->pid != p) continue;
      char raw[32];
      if (WIFSIGNALED(st)) snprintf(raw, sizeof(raw), "-1\t%d", WTERMSIG(st));
      else snprintf(raw, sizeof(raw), "%d\t0", WEXITSTATUS(st));
      answer(L, "exit", j->tag, NULL, 0, raw);
      TMARK("launcher: exit answered");
      j->pid = 0;
      if (j->sync_fd < 0) job_drop(L, i);
      break;
    }
  }
}

static void pump_sync(struct launcher *L, size_t i) {
  struct job *j = &L->jobs[i];
  ssize_t r = read(j->sync_fd, j->sync + j->len, SYNC_MAX - j->len);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (r > 0) j->len += (size_t)r;
  if (r <= 0 || memchr(j->sync, '\n', j->len) || j->len == SYNC_MAX) {
    sync_done(L, j);
    if (j->pid == 0) job_drop(L, i);
  }
}

int run_launcher(int ctl_fd) {
  struct launcher L = {.ctl = ctl_fd};
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return 1;
  L.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (L.sigfd < 0) return 1;
  warm_start(); /* optional: without it spawns only wait longer */
  fcntl(ctl_fd, F_SETFD, FD_CLOEXEC);
  L.req = malloc(REQ_MAX);
  if (!L.req) return 1;
  struct pollfd *pfd = NULL;
  size_t pcap = 0;
  for (;;) {
    size_t need = 2 + L.njobs;
    if (need > pcap) {
      struct pollfd *n = realloc(pfd, need * sizeof(*n));
      if (!n) return 1;
      pfd = n;
      pcap = need;
    }
    pfd[0] = (struct pollfd){.fd = L.ctl, .events = POLLIN};
    pfd[1] = (struct pollfd){.fd = L.sigfd, .events = POLLIN};
    for (size_t i = 0; i < L.njobs; i++) pfd[2 + i] = (struct pollfd){.fd = L.jobs[i].sync_fd, .events = POLLIN};
    size_t njobs = L.njobs;
    if (poll(pfd, 2 + njobs, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    /* Sync pipes first (from the last: dropping a job moves the last into its slot). */
    for (size_t i = njobs; i-- > 0;)
      if (i < L.njobs && pfd[2 + i].revents && pfd[2 + i].fd == L.jobs[i].sync_fd && L.jobs[i].sync_fd >= 0) pump_sync(&L, i);
    if (pfd[1].revents) reap(&L);
    if (pfd[0].revents) {
      ssize_t r = read_retry(L.ctl, L.req + L.req_len, REQ_MAX - L.req_len);
      if (r <= 0) return 0; /* the caller is gone (or closed us): nothing left to do */
      L.req_len += (size_t)r;
      handle_requests(&L);
      if (L.req_len == REQ_MAX) return 1; /* a line that long is not ours */
    }
  }
}
