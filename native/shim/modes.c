/* create and exec: the order of the shim's own steps, and the cleanup of every failure path
 * (child killed and reaped, files we made removed, report written). */
#include "modes.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone.h"
#include "nsjoin.h"
#include "process.h"
#include "sup.h"
#include "sync.h"

struct run {
  struct plan plan;
  int plan_loaded;
  struct launch l;
  struct sup s;
  int report;
  int direct_report; /* daemon: the caller's report fd itself (sync.h) */
  int log_created;
  int pidfile_written, shimpid_written;
};

static void run_init(struct run *r, const struct options *o) {
  memset(r, 0, sizeof(*r));
  r->l.opt = o;
  r->l.plan = &r->plan;
  r->l.sock = r->l.peer_sock = -1;
  r->l.pid = -1;
  for (int k = 0; k < NS_COUNT; k++) r->l.ns_fds[k] = -1;
  r->l.stdio.in_w = r->l.stdio.out_r = r->l.stdio.err_r = r->l.stdio.master = -1;
  for (int i = 0; i < 3; i++) r->l.stdio.child[i] = -1;
  r->s.l = &r->l;
  r->s.dirfd = r->s.sigfd = r->s.listen_fd = r->s.exit_fd = -1;
  r->s.log.fd = -1;
  r->report = o->sync_fd;
  r->direct_report = -1;
}

/* Failure after any step: undo everything, then report. */
static int run_fail(struct run *r, const struct shim_err *e) {
  const struct options *o = r->l.opt;
  spawn_kill(&r->l);
  if (r->l.sock >= 0) close(r->l.sock);
  ns_close_all(r->l.ns_fds);
  stdio_close_all(&r->l.stdio);
  if (r->s.has_log) log_close(&r->s.log);
  if (r->log_created) unlink(o->log_path);
  if (r->s.listen_fd >= 0) { close(r->s.listen_fd); unlinkat(r->s.dirfd, "ctl.sock", 0); }
  if (r->shimpid_written) unlinkat(r->s.dirfd, "shim.pid", 0);
  if (r->pidfile_written) unlink(o->pid_file);
  if (r->direct_report >= 0) close(r->direct_report); /* errors go through the original process */
  /* Without --sync-fd a foreground exec reports errors on stderr. */
  sync_report_err(r->report >= 0 ? r->report : 2, e);
  if (r->s.dirfd >= 0) close(r->s.dirfd);
  if (r->plan_loaded) plan_free(&r->plan);
  return 1;
}

static int setup_signals(struct run *r, int forward, struct shim_err *e) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  if (forward) {
    static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++) sigaddset(&set, fwd[i]);
  }
  signal(SIGPIPE, SIG_IGN);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return fail(e, "signal", errno, "sigprocmask: %s", strerror(errno));
  r->s.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (r->s.sigfd < 0) return fail(e, "signal", errno, "signalfd: %s", strerror(errno));
  return 0;
}

/* The shim writes a log when it holds the output (pipes, or a pty without console socket). */
static int open_log(struct run *r, struct shim_err *e) {
  const struct options *o = r->l.opt;
  if (!o->log_path) return 0;
  int holds = r->plan.terminal ? !o->console_socket : o->stdio == STDIO_PIPES;
  if (!holds) return 0;
  r->log_created = access(o->log_path, F_OK) < 0;
  if (log_open(&r->s.log, o->log_path, o->log_max_size, o->log_max_files, e) < 0) { r->log_created = 0; return -1; }
  r->s.has_log = 1;
  return 0;
}

static int common_start(struct run *r, struct shim_err *e) {
  const struct options *o = r->l.opt;
  if (plan_load(o->plan_path, &r->plan, e) < 0) return -1;
  r->plan_loaded = 1;
  if (proc_seccomp_read(&r->plan, e) < 0) return -1;
  r->s.dirfd = open(o->state_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (r->s.dirfd < 0) return fail(e, "state", errno, "open state dir %s: %s", o->state_dir, strerror(errno));
  return 0;
}

/* ctl.sock and shim.pid. create makes them while the child sets up (they are file creations,
 * each a few hundred microseconds on a busy filesystem, and nobody looks for them before the ok
 * report); exec after the program runs. A failure later removes them again (run_fail). */
static int publish_files(struct run *r, struct shim_err *e) {
  r->s.listen_fd = ctl_listen(r->s.dirfd, e);
  if (r->s.listen_fd < 0) return -1;
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
  if (write_file_atomic(r->s.dirfd, "shim.pid", buf, (size_t)n) < 0) return fail(e, "state", errno, "write shim.pid: %s", strerror(errno));
  r->shimpid_written = 1;
  return 0;
}

/* After the child is ready (create) or the program ran (exec): pid file, then the ok report. */
static int publish(struct run *r, struct shim_err *e) {
  const struct options *o = r->l.opt;
  TMARK("publish: begin");
  char buf[32];
  int n;
  if (o->pid_file) {
    n = snprintf(buf, sizeof(buf), "%d", (int)r->l.pid);
    if (write_file_atomic(AT_FDCWD, o->pid_file, buf, (size_t)n) < 0) return fail(e, "state", errno, "write pid file %s: %s", o->pid_file, strerror(errno));
    r->pidfile_written = 1;
  }
  /* Terminal without console socket and stdio inherit: proxy our own stdin/stdout. */
  if (r->l.stdio.master >= 0 && o->stdio == STDIO_INHERIT) {
    if (client_add(&r->s, 0, 1, 0, 1) < 0) return fail(e, "stdio", ENOMEM, "out of memory");
    if (set_nonblock(0, 1) == 0) r->s.proxy_stdin = 1;
  }
  sync_report_ok(r->report, &r->direct_report, r->l.pid, getpid());
  if (r->report >= 0 && r->report != r->l.opt->sync_fd) close(r->report);
  r->report = -1;
  return 0;
}

int run_create(const struct options *o) {
  struct run *r = calloc(1, sizeof(*r));
  if (!r) return 1;
  run_init(r, o);
  struct shim_err e = {0};
  if (r->report < 0) r->report = 1;
  TMARK("plan loaded");
  if (common_start(r, &e) < 0) return run_fail(r, &e);
  if (!r->plan.rootfs) { fail(&e, "plan", EINVAL, "plan %s: create needs a 'rootfs' line", o->plan_path); return run_fail(r, &e); }
  if (sync_daemonize(o, &r->report, &r->direct_report, &e) < 0) return run_fail(r, &e);
  TMARK("daemonized");
  if (chdir(o->state_dir) < 0) { fail(&e, "state", errno, "chdir %s: %s", o->state_dir, strerror(errno)); return run_fail(r, &e); }
  if (setup_signals(r, 0, &e) < 0 || stdio_prepare(o, &r->plan, &r->l.stdio, &e) < 0 || ns_join_early(&r->plan, &e) < 0)
    return run_fail(r, &e);
  TMARK("stdio ready");
  if (spawn_create_begin(&r->l, &e) < 0) return run_fail(r, &e);
  /* The child mounts its filesystem now: meanwhile the log and our state files are made. */
  if (open_log(r, &e) < 0 || publish_files(r, &e) < 0) return run_fail(r, &e); /* kills the child */
  TMARK("files published");
  if (spawn_create_wait(&r->l, &e) < 0 || publish(r, &e) < 0)
    return run_fail(r, &e);
  TMARK("published");
  sup_run(&r->s);
  TMARK("supervisor done");
  return 0;
}

int run_exec(const struct options *o) {
  struct run *r = calloc(1, sizeof(*r));
  if (!r) return 1;
  run_init(r, o);
  struct shim_err e = {0};
  if (common_start(r, &e) < 0) return run_fail(r, &e);
  TMARK("exec: plan loaded");
  if (ns_open_target(o->target_pid, r->l.ns_fds, &e) < 0) return run_fail(r, &e);
  TMARK("exec: namespaces opened");
  if (o->detach && sync_daemonize(o, &r->report, &r->direct_report, &e) < 0) return run_fail(r, &e);
  /* ctl.sock is bound by a relative name (sun_path is short). */
  if (chdir(o->state_dir) < 0) { fail(&e, "state", errno, "chdir %s: %s", o->state_dir, strerror(errno)); return run_fail(r, &e); }
  r->s.foreground = !o->detach;
  if (setup_signals(r, !o->detach, &e) < 0 || open_log(r, &e) < 0 || stdio_prepare(o, &r->plan, &r->l.stdio, &e) < 0 ||
      ns_join_target_early(r->l.ns_fds, &e) < 0 || spawn_exec(&r->l, &e) < 0)
    return run_fail(r, &e);
  TMARK("exec: child executed");
  if (publish_files(r, &e) < 0 || publish(r, &e) < 0) return run_fail(r, &e);
  TMARK("exec: published");
  int st = sup_run(&r->s);
  TMARK("exec: supervisor done");
  if (o->detach) return 0;
  return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}
