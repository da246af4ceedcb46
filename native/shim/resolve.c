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

static int use_openat2 = 1;

void resolve_use_openat2(int on) { use_openat2 = on; }

/* Without openat2 (kernel < 5.6): the same semantics by hand. Components are opened one at a
 * time with O_NOFOLLOW from a stack of directory fds; ".." pops (never above the root), a
 * symlink's target is spliced into the rest of the path (an absolute one restarts at the root). */
static int resolve_by_hand(int rootfd, const char *path) {
  enum { MAX_DEPTH = 256 };
  char work[4096], link[4096];
  int stack[MAX_DEPTH];
  int depth = 0, links = 0;
  if (snprintf(work, sizeof(work), "%s", path) >= (int)sizeof(work)) { errno = ENAMETOOLONG; return -1; }
  stack[0] = openat(rootfd, ".", O_PATH | O_CLOEXEC | O_DIRECTORY);
  if (stack[0] < 0) return -1;
  char *p = work;
  int err = 0;
  for (;;) {
    while (*p == '/') p++;
    if (!*p) break;
    char *end = strchr(p, '/');
    size_t clen = end ? (size_t)(end - p) : strlen(p);
    char *rest = p + clen;
    while (*rest == '/') rest++;
    char name[256];
    if (clen >= sizeof(name)) { err = ENAMETOOLONG; break; }
    memcpy(name, p, clen);
    name[clen] = '\0';
    if (!strcmp(name, ".")) { p = rest; continue; }
    if (!strcmp(name, "..")) {
      if (depth > 0) close(stack[depth--]);
      p = rest;
      continue;
    }
    int fd = openat(stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) { err = errno; break; }
    struct stat st;
    if (fstat(fd, &st) < 0) { err = errno; close(fd); break; }
    if (S_ISLNK(st.st_mode)) {
      ssize_t n = readlinkat(fd, "", link, sizeof(link) - 1);
      close(fd);
      if (n < 0) { err = errno; break; }
      if (++links > 40) { err = ELOOP; break; }
      link[n] = '\0';
      char spliced[4096];
      if (snprintf(spliced, sizeof(spliced), "%s/%s", link, rest) >= (int)sizeof(spliced)) { err = ENAMETOOLONG; break; }
      memcpy(work, spliced, strlen(spliced) + 1);
      p = work;
      if (link[0] == '/') while (depth > 0) close(stack[depth--]);
      continue;
    }
    if (*rest && !S_ISDIR(st.st_mode)) { err = ENOTDIR; close(fd); break; }
    if (depth + 1 >= MAX_DEPTH) { err = ENAMETOOLONG; close(fd); break; }
    stack[++depth] = fd;
    p = rest;
  }
  if (err) {
    while (depth >= 0) close(stack[depth--]);
    errno = err;
    return -1;
  }
  int result = stack[depth];
  while (depth > 0) close(stack[--depth]);
  return result;
}

static int openat2_in_root(int rootfd, const char *path) {
  if (use_openat2) {
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    const char *rel = path;
    while (*rel == '/') rel++;
    if (!*rel) rel = ".";
    long fd;
    do fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how)); while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    if (fd >= 0 || errno != ENOSYS) return (int)fd;
    use_openat2 = 0;
  }
  return resolve_by_hand(rootfd, path);
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

/* The fast paths below give what walk() gives, in one to three syscalls instead of two or three
 * per component (a container start resolves ~30 paths, most of which exist up to their last
 * component): walk() resolves each prefix from the root with the same RESOLVE_IN_ROOT rules, so
 * when a directory prefix resolves, resolving it at once yields the same directory, and a name
 * created in it is what walk() would create. Anything unusual (a last component "." or "..", a
 * trailing slash, a missing parent, a create that fails, e.g. on a dangling symlink) goes to
 * walk(), which then produces the result or the error it always did. */

/* Splits path at its last '/': the directory part (copied into dir, "/" when empty) and the
 * last component (pointer into path). 0, or -1 when the fast paths do not apply. */
static int split_last(const char *path, char *dir, size_t dirlen, const char **last) {
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) return -1;
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (n + 2 > dirlen) return -1;
  if (n == 0) {
    dir[0] = '/';
    dir[1] = '\0';
  } else {
    memcpy(dir, path, n);
    dir[n] = '\0';
  }
  *last = name;
  return 0;
}

int resolve_mkpath(int rootfd, const char *path, int last_is_file) {
  int fd = openat2_in_root(rootfd, path);
  if (fd >= 0 || errno != ENOENT) return fd >= 0 ? fd : walk(rootfd, path, last_is_file, 0, NULL);
  char dir[4096];
  const char *name;
  if (split_last(path, dir, sizeof(dir), &name) == 0) {
    int parent = openat2_in_root(rootfd, dir);
    if (parent >= 0) {
      int r;
      if (last_is_file) {
        r = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(parent, name, 0755);
      }
      close(parent);
      if (r >= 0) return openat2_in_root(rootfd, path);
    }
  }
  return walk(rootfd, path, last_is_file, 0, NULL);
}

int resolve_parent(int rootfd, const char *path, const char **base) {
  char dir[4096];
  const char *name;
  if (split_last(path, dir, sizeof(dir), &name) == 0) {
    int parent = openat2_in_root(rootfd, dir);
    if (parent >= 0) {
      if (base) *base = name;
      return parent;
    }
  }
  return walk(rootfd, path, 0, 1, base);
}
