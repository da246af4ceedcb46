/* CRI-format log: `<RFC3339Nano> <stream> <F|P> <text>\n`, rotated by size. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

int log_open(struct cri_log *lg, const char *path, uint64_t max_size, unsigned max_files, struct shim_err *e) {
  lg->path = path;
  lg->max_size = max_size;
  lg->max_files = max_files ? max_files : 1;
  lg->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (lg->fd < 0) return fail(e, "log", errno, "open log %s: %s", path, strerror(errno));
  struct stat st;
  lg->size = fstat(lg->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
  return 0;
}

void log_close(struct cri_log *lg) {
  if (lg->fd >= 0) close(lg->fd);
  lg->fd = -1;
}

/* FILE -> FILE.1 -> ... -> FILE.<max_files-1>; with one file, truncate in place. */
static void rotate(struct cri_log *lg) {
  if (lg->max_files <= 1) {
    if (ftruncate(lg->fd, 0) == 0) lg->size = 0;
    return;
  }
  char from[4096], to[4096];
  for (unsigned i = lg->max_files - 1; i >= 2; i--) {
    snprintf(from, sizeof(from), "%s.%u", lg->path, i - 1);
    snprintf(to, sizeof(to), "%s.%u", lg->path, i);
    if (rename(from, to) < 0 && errno != ENOENT) return;
  }
  snprintf(to, sizeof(to), "%s.1", lg->path);
  if (rename(lg->path, to) < 0) return;
  int fd = open(lg->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return; /* keep writing to the renamed file rather than lose output */
  close(lg->fd);
  lg->fd = fd;
  lg->size = 0;
}

static void record(struct cri_log *lg, const char *head, size_t hlen, const char *text, size_t tlen) {
  size_t total = hlen + tlen + 1;
  if (lg->max_size && lg->size > 0 && lg->size + total > lg->max_size) rotate(lg);
  struct iovec iov[3] = {{(void *)head, hlen}, {(void *)text, tlen}, {(void *)"\n", 1}};
  size_t done = 0;
  while (done < total) {
    /* writev may be partial on a full disk; advance through the vectors. */
    struct iovec v[3];
    int n = 0;
    size_t skip = done;
    for (int i = 0; i < 3; i++) {
      if (skip >= iov[i].iov_len) { skip -= iov[i].iov_len; continue; }
      v[n].iov_base = (char *)iov[i].iov_base + skip;
      v[n].iov_len = iov[i].iov_len - skip;
      skip = 0;
      n++;
    }
    ssize_t w = writev(lg->fd, v, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return; /* the container must not stall on a broken log */
    done += (size_t)w;
  }
  lg->size += total;
}

void log_write(struct cri_log *lg, const char *stream, const char *data, size_t len) {
  if (lg->fd < 0 || len == 0) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char head[80];
  int n = snprintf(head, sizeof(head), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ %s ", tm.tm_year + 1900, tm.tm_mon + 1,
                   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec, stream);
  size_t hlen = (size_t)n;
  head[hlen + 1] = ' ';
  while (len > 0) {
    const char *nl = memchr(data, '\n', len);
    size_t tlen = nl ? (size_t)(nl - data) : len;
    head[hlen] = nl ? 'F' : 'P';
    record(lg, head, hlen + 2, data, tlen);
    size_t used = nl ? tlen + 1 : tlen;
    data += used;
    len -= used;
  }
}
