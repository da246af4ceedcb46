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
 * symlink met on the way is followed inside the root. A dangling symlink is followed by hand
 * (its target is spliced into the remaining path, an absolute one restarts from the root), so
 * the missing directories are created inside the rootfs where it points, never outside. */
static int walk(int rootfd, const char *path, int last_is_file, int stop_before_last, const char **base) {
  char prefix[4096], work[4096], link[4096];
  size_t plen = 0;
  int links = 0;
  if (snprintf(work, sizeof(work), "%s", path) >= (int)sizeof(work)) { errno = ENAMETOOLONG; return -1; }
  int cur = openat2_in_root(rootfd, "/");
  if (cur < 0) return -1;
  const char *p = work;
  for (;;) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *end = strchr(p, '/');
    size_t clen = end ? (size_t)(end - p) : strlen(p);
    const char *rest = p + clen;
    while (*rest == '/') rest++;
    int is_last = (*rest == '\0');
    if (is_last && stop_before_last) {
      /* base must point into the caller's path: the same suffix when no link was spliced. */
      if (base) {
        size_t tail = strlen(p);
        size_t plen0 = strlen(path);
        if (links || tail > plen0 || strcmp(path + plen0 - tail, p)) { close(cur); errno = ELOOP; return -1; }
        *base = path + plen0 - tail;
      }
      return cur;
    }
    char name[256];
    if (clen >= sizeof(name) || plen + clen + 2 >= sizeof(prefix)) { close(cur); errno = ENAMETOOLONG; return -1; }
    memcpy(name, p, clen);
    name[clen] = '\0';
    size_t saved = plen;
    prefix[plen++] = '/';
    memcpy(prefix + plen, name, clen + 1);
    plen += clen;
    int next = openat2_in_root(rootfd, prefix);
    if (next < 0 && errno == ENOENT && strcmp(name, "..") && strcmp(name, ".")) {
      int r;
      if (is_last && last_is_file) {
        r = openat(cur, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(cur, name, 0755);
      }
      if (r < 0 && errno == EEXIST) {
        ssize_t n = readlinkat(cur, name, link, sizeof(link) - 1);
        if (n > 0) {
          if (++links > 40) { close(cur); errno = ELOOP; return -1; }
          link[n] = '\0';
          char spliced[4096];
          if (snprintf(spliced, sizeof(spliced), "%s/%s", link, rest) >= (int)sizeof(spliced)) { close(cur); errno = ENAMETOOLONG; return -1; }
          memcpy(work, spliced, strlen(spliced) + 1);
          p = work;
          plen = saved;
          prefix[plen] = '\0';
          if (link[0] == '/') {
            close(cur);
            plen = 0;
            cur = openat2_in_root(rootfd, "/");
            if (cur < 0) return -1;
          }
          continue;
        }
        errno = EEXIST;
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
