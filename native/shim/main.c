/* berth-shim: argument parsing and mode dispatch (usage in native/README.md). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher.h"
#include "modes.h"
#include "sync.h"
#include "util.h"

static const char usage[] =
    "usage: berth-shim create --state-dir DIR --plan FILE [--stdio inherit|pipes] [--log FILE --log-max-size N --log-max-files N] [--console-socket PATH] [--sync-fd N]\n"
    "       berth-shim exec --state-dir DIR --plan FILE --target-pid PID [--stdio inherit|pipes] [--log FILE ...] [--console-socket PATH] [--sync-fd N] [--detach] [--pid-file F]\n"
    "       berth-shim launcher --ctl-fd N\n";

/* The daemon changes directory to the state dir, so paths are made absolute first. */
static const char *absolute(const char *p) {
  if (p[0] == '/') return p;
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof(cwd))) return p;
  size_t n = strlen(cwd) + strlen(p) + 2;
  char *out = malloc(n);
  if (!out) return p;
  snprintf(out, n, "%s/%s", cwd, p);
  return out;
}

static int bad_usage(const struct options *o, const char *what) {
  struct shim_err e;
  fail(&e, "usage", EINVAL, "%s", what);
  sync_report_err(o->sync_fd >= 0 ? o->sync_fd : 2, &e);
  fputs(usage, stderr);
  return 2;
}

int shim_main(int argc, char **argv) {
  TMARK("main");
  struct options o = {.sync_fd = -1, .log_max_files = 1, .stdio = STDIO_PIPES};
  int stdio_given = 0;
  if (argc < 2) { fputs(usage, stderr); return 2; }
  if (!strcmp(argv[1], "launcher")) {
    uint64_t fd;
    int room = argc == 6 && !strcmp(argv[4], "--title-room");
    if ((argc != 4 && !room) || strcmp(argv[2], "--ctl-fd") || parse_u64(argv[3], 10, &fd) < 0 || fd < 3 || fd > INT_MAX) { fputs(usage, stderr); return 2; }
    if (!room) launcher_make_title_room(argv); /* returns only if that failed */
    else launcher_title_init(argv[0], argv[5] + strlen(argv[5]) + 1);
    return run_launcher((int)fd);
  }
  if (!strcmp(argv[1], "create")) o.mode = MODE_CREATE;
  else if (!strcmp(argv[1], "exec")) o.mode = MODE_EXEC;
  else { fputs(usage, stderr); return 2; }
  /* --sync-fd first, so usage errors can be reported on it. */
  for (int i = 2; i + 1 < argc; i++) {
    uint64_t v;
    if (!strcmp(argv[i], "--sync-fd") && parse_u64(argv[i + 1], 10, &v) == 0 && v < INT_MAX) o.sync_fd = (int)v;
  }
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--detach")) { o.detach = 1; continue; }
    if (i + 1 >= argc) return bad_usage(&o, "missing value after an option");
    const char *v = argv[++i];
    uint64_t n;
    if (!strcmp(a, "--state-dir")) o.state_dir = absolute(v);
    else if (!strcmp(a, "--plan")) o.plan_path = absolute(v);
    else if (!strcmp(a, "--log")) o.log_path = absolute(v);
    else if (!strcmp(a, "--console-socket")) o.console_socket = absolute(v);
    else if (!strcmp(a, "--pid-file")) o.pid_file = absolute(v);
    else if (!strcmp(a, "--sync-fd")) continue;
    else if (!strcmp(a, "--stdio")) {
      stdio_given = 1;
      if (!strcmp(v, "inherit")) o.stdio = STDIO_INHERIT;
      else if (!strcmp(v, "pipes")) o.stdio = STDIO_PIPES;
      else return bad_usage(&o, "--stdio must be inherit or pipes");
    } else if (!strcmp(a, "--log-max-size")) {
      if (parse_u64(v, 10, &n) < 0) return bad_usage(&o, "bad --log-max-size");
      o.log_max_size = n;
    } else if (!strcmp(a, "--log-max-files")) {
      if (parse_u64(v, 10, &n) < 0 || n < 1 || n > 1000) return bad_usage(&o, "bad --log-max-files (1..1000)");
      o.log_max_files = (unsigned)n;
    } else if (!strcmp(a, "--target-pid")) {
      if (parse_u64(v, 10, &n) < 0 || n < 1 || n > INT_MAX) return bad_usage(&o, "bad --target-pid");
      o.target_pid = (pid_t)n;
    } else {
      return bad_usage(&o, "unknown option");
    }
  }
  /* Whatever else the caller left open (its sockets, pipes) must not live on in the shim. */
  if (o.sync_fd > 3) close_range(3, (unsigned)o.sync_fd - 1, 0);
  close_range(o.sync_fd >= 3 ? (unsigned)o.sync_fd + 1 : 3, ~0U, 0);
  if (!o.state_dir || !o.plan_path) return bad_usage(&o, "--state-dir and --plan are required");
  if (o.mode == MODE_EXEC && !o.target_pid) return bad_usage(&o, "exec needs --target-pid");
  if (o.mode == MODE_CREATE && (o.detach || o.pid_file || o.target_pid)) return bad_usage(&o, "--detach, --pid-file and --target-pid are for exec");
  /* Foreground exec defaults to passing our stdio through; everything else to pipes. */
  if (!stdio_given && o.mode == MODE_EXEC && !o.detach) o.stdio = STDIO_INHERIT;
  return o.mode == MODE_CREATE ? run_create(&o) : run_exec(&o);
}

int main(int argc, char **argv) {
  return shim_main(argc, argv);
}
