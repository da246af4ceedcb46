/* Small helpers shared by the shim. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int fail(struct shim_err *e, const char *stage, int err, const char *fmt, ...) {
  snprintf(e->stage, sizeof(e->stage), "%s", stage);
  e->err = err;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
  va_end(ap);
  errno = err;
  return -1;
}

size_t err_format(const struct shim_err *e, char *buf, size_t len) {
  /* The message must stay one field of one line. */
  char msg[sizeof(e->msg)];
  snprintf(msg, sizeof(msg), "%s", e->msg);
  for (char *q = msg; *q; q++) if (*q == '\t' || *q == '\n' || *q == '\r') *q = ' ';
  int n = snprintf(buf, len, "error\t%s\t%d\t%s\n", e->stage[0] ? e->stage : "internal", e->err, msg);
  if (n < 0) { buf[0] = '\0'; return 0; }
  if ((size_t)n >= len) { buf[len - 2] = '\n'; buf[len - 1] = '\0'; return len - 1; }
  return (size_t)n;
}

void err_parse(const char *line, struct shim_err *e) {
  memset(e, 0, sizeof(*e));
  const char *t1 = strchr(line, '\t');
  if (!t1) { snprintf(e->stage, sizeof(e->stage), "internal"); snprintf(e->msg, sizeof(e->msg), "%s", line); e->err = EPROTO; return; }
  size_t sl = (size_t)(t1 - line);
  if (sl >= sizeof(e->stage)) sl = sizeof(e->stage) - 1;
  memcpy(e->stage, line, sl);
  e->err = atoi(t1 + 1);
  const char *t2 = strchr(t1 + 1, '\t');
  snprintf(e->msg, sizeof(e->msg), "%s", t2 ? t2 + 1 : "");
  size_t ml = strlen(e->msg);
  while (ml > 0 && e->msg[ml - 1] == '\n') e->msg[--ml] = '\0';
}

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

int write_all_wait(int fd, const void *buf, size_t len, int timeout_ms) {
  const char *p = buf;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      struct pollfd pf = {.fd = fd, .events = POLLOUT};
      int r;
      do r = poll(&pf, 1, timeout_ms); while (r < 0 && errno == EINTR);
      if (r <= 0) { errno = r == 0 ? ETIMEDOUT : errno; return -1; }
      continue;
    }
    if (w < 0) return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

ssize_t read_retry(int fd, void *buf, size_t len) {
  for (;;) {
    ssize_t r = read(fd, buf, len);
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(text);
  /* Kernel files (proc, cgroup) want the whole value in one write. */
  ssize_t w;
  do w = write(fd, text, len); while (w < 0 && errno == EINTR);
  int e = errno;
  close(fd);
  if (w < 0) { errno = e; return -1; }
  if ((size_t)w != len) { errno = EIO; return -1; }
  return 0;
}

/* Atomic (temp file + rename) but not fsynced: everything written this way (shim.pid, exit,
 * pid files) is volatile runtime state about processes that a crash of the machine ends too,
 * and the page cache outlives a crash of any process, so durability would only add two disk
 * flushes to every container start and exit. */
int write_file_atomic(int dirfd, const char *name, const char *text, size_t len) {
  char tmp[256];
  if (snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= (int)sizeof(tmp)) { errno = ENAMETOOLONG; return -1; }
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  if (write_all(fd, text, len) < 0) {
    int e = errno;
    close(fd);
    unlinkat(dirfd, tmp, 0);
    errno = e;
    return -1;
  }
  if (close(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
    int e = errno;
    unlinkat(dirfd, tmp, 0);
    errno = e;
    return -1;
  }
  return 0;
}

int set_nonblock(int fd, int on) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return -1;
  fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  return fcntl(fd, F_SETFL, fl);
}

void close_others(const int *keep, int n) {
  unsigned from = 3;
  for (;;) {
    /* The smallest kept fd at or above `from`. */
    long next = -1;
    for (int i = 0; i < n; i++)
      if (keep[i] >= (int)from && (next < 0 || keep[i] < next)) next = keep[i];
    if (next < 0) { close_range(from, ~0U, 0); return; }
    if ((unsigned)next > from) close_range(from, (unsigned)next - 1, 0);
    from = (unsigned)next + 1;
  }
}

int parse_u64(const char *s, int base, uint64_t *out) {
  if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') return -1;
  if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, base);
  if (errno || *end || end == s) return -1;
  *out = v;
  return 0;
}

int parse_i64(const char *s, int64_t *out) {
  if (!s || !*s || *s == ' ' || *s == '+') return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || *end || end == s) return -1;
  *out = v;
  return 0;
}

uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#ifdef BERTH_SHIM_TIMING
void timing_mark(const char *label) {
  const char *path = getenv("BERTH_SHIM_TIMING");
  if (!path) return;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "%d %lld %s\n", (int)getpid(), (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, label);
  /* Kept open (checked by inode: the shim and the child close fds), so marks after the
   * child's pivot_root still reach the file. */
  static int fd = -1;
  static dev_t dev;
  static ino_t ino;
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_dev != dev || st.st_ino != ino)) fd = -1;
  if (fd < 0) {
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return;
    int hi = fcntl(fd, F_DUPFD_CLOEXEC, 900); /* out of the way of the fds the shim arranges */
    if (hi >= 0) { close(fd); fd = hi; }
    if (fstat(fd, &st) < 0) { close(fd); fd = -1; return; }
    dev = st.st_dev;
    ino = st.st_ino;
  }
  ssize_t w = write(fd, buf, (size_t)n);
  (void)w;
}
#endif
