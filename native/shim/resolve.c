/* Safe path resolution inside the rootfs. Every lookup goes through openat2(RESOLVE_IN_ROOT)
 * from the rootfs fd, so ".." and absolute symlinks are clamped to the rootfs; creation only
 * uses single names under an already resolved directory, which cannot follow a symlink. */
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int openat2_in_root(int rootfd, const char *path) {
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  while (*path == '/') path++;
  if (!*path) path = ".";
  long fd;
  do fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how)); while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return (int)fd;
}

const char *fd_path(int fd, char *buf, size_t len) {
  snprintf(buf, len, "/proc/self/fd/%d", fd);
  return buf;
}

int resolve_open(int rootfd, const char *path) {
  return openat2_in_root(rootfd, path);
}

/* Walks path component by component; each prefix is resolved from the root again, so a
 * symlink met on the way is followed inside the root. */
static int walk(int rootfd, const char *path, int last_is_file, int stop_before_last, const char **base) {
  char prefix[4096];
  size_t plen = 0;
  int cur = openat2_in_root(rootfd, "/");
  if (cur < 0) return -1;
  const char *p = path;
  for (;;) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *end = strchr(p, '/');
    size_t clen = end ? (size_t)(end - p) : strlen(p);
    const char *rest = p + clen;
    while (*rest == '/') rest++;
    int is_last = (*rest == '\0');
    if (is_last && stop_before_last) {
      if (base) *base = p;
      return cur;
    }
    if (plen + clen + 2 >= sizeof(prefix)) { close(cur); errno = ENAMETOOLONG; return -1; }
    prefix[plen++] = '/';
    memcpy(prefix + plen, p, clen);
    plen += clen;
    prefix[plen] = '\0';
    char name[256];
    if (clen >= sizeof(name)) { close(cur); errno = ENAMETOOLONG; return -1; }
    memcpy(name, p, clen);
    name[clen] = '\0';
    int next = openat2_in_root(rootfd, prefix);
    if (next < 0 && errno == ENOENT && strcmp(name, "..") && strcmp(name, ".")) {
      int r;
      if (is_last && last_is_file) {
        r = openat(cur, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(cur, name, 0755);
      }
      if (r < 0 && errno != EEXIST) { int e = errno; close(cur); errno = e; return -1; }
      next = openat2_in_root(rootfd, prefix);
    }
    if (next < 0) { int e = errno; close(cur); errno = e; return -1; }
    close(cur);
    cur = next;
    p = rest;
  }
  if (stop_before_last) { close(cur); errno = EINVAL; return -1; }
  return cur;
}

int resolve_mkpath(int rootfd, const char *path, int last_is_file) {
  return walk(rootfd, path, last_is_file, 0, NULL);
}

int resolve_parent(int rootfd, const char *path, const char **base) {
  return walk(rootfd, path, 0, 1, base);
}
