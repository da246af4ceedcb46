/* The report line and the daemonizing fork. */
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define DELIVERED "delivered\n" /* daemon -> original process: the ok line went straight to the caller */

void sync_report_ok(int fd, int *direct_fd, pid_t pid, pid_t shim_pid) {
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "ok\t%d\t%d\n", (int)pid, (int)shim_pid);
  if (direct_fd && *direct_fd >= 0) {
    int delivered = write_all(*direct_fd, buf, (size_t)n) == 0;
    close(*direct_fd);
    *direct_fd = -1;
    if (delivered) {
      if (fd >= 0) write_all(fd, DELIVERED, strlen(DELIVERED));
      return;
    }
  }
  if (fd >= 0) write_all(fd, buf, (size_t)n);
}

void sync_report_err(int fd, const struct shim_err *e) {
  if (fd < 0) return;
  char buf[640];
  size_t n = err_format(e, buf, sizeof(buf));
  write_all(fd, buf, n);
}

/* The original process: relay one line, exit with its verdict. On an error it first waits for
 * the background shim to finish its clean-up and exit, so that when the caller sees the error
 * (and this process's exit) nothing of the failed create is left running. */
static void relay(int from, int to, pid_t shim) __attribute__((noreturn));
static void relay(int from, int to, pid_t shim) {
  char buf[640];
  size_t len = 0;
  while (len < sizeof(buf) - 1) {
    ssize_t r = read_retry(from, buf + len, sizeof(buf) - 1 - len);
    if (r <= 0) break;
    len += (size_t)r;
    if (memchr(buf, '\n', len)) break;
  }
  char *nl = memchr(buf, '\n', len);
  if (nl) len = (size_t)(nl - buf) + 1;
  if (len == strlen(DELIVERED) && !memcmp(buf, DELIVERED, len)) _exit(0);
  int ok = len >= 3 && !memcmp(buf, "ok\t", 3);
  if (!ok) {
    while (waitpid(shim, NULL, 0) < 0 && errno == EINTR) {}
  }
  if (len == 0) {
    const char *msg = "error\tinternal\t5\tthe shim exited before reporting\n";
    write_all(to, msg, strlen(msg));
    _exit(1);
  }
  write_all(to, buf, len);
  _exit(ok ? 0 : 1);
}

int sync_daemonize(const struct options *o, int *report_fd, int *direct_fd, struct shim_err *e) {
  int p[2];
  *direct_fd = -1;
  if (pipe2(p, O_CLOEXEC) < 0) return fail(e, "daemon", errno, "pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(p[0]); close(p[1]);
    return fail(e, "daemon", err, "fork: %s", strerror(err));
  }
  if (pid > 0) {
    close(p[1]);
    relay(p[0], o->sync_fd >= 0 ? o->sync_fd : 1, pid);
  }
  TMARK("daemon: forked");
  close(p[0]);
  *report_fd = p[1]; /* from here on, failures are reported through it */
  /* Above the stdio fds, which are replaced below; not inherited by anything we execute. */
  *direct_fd = fcntl(o->sync_fd >= 0 ? o->sync_fd : 1, F_DUPFD_CLOEXEC, 3);
  if (o->sync_fd >= 0) close(o->sync_fd);
  if (setsid() < 0) return fail(e, "daemon", errno, "setsid: %s", strerror(errno));
  /* Orphans of the container come to us, so we reap them and nothing lingers. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return fail(e, "daemon", errno, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
  if (o->stdio != STDIO_INHERIT) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0) return fail(e, "daemon", errno, "open /dev/null: %s", strerror(errno));
    for (int i = 0; i < 3; i++) dup2(null, i);
    if (null > 2) close(null);
  }
  return 0;
}
