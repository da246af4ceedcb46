/* Checks native/shim/resolve.c, with openat2 and with the by-hand fallback: symlinks and ".."
 * in a rootfs never lead outside it, and created mount points land inside it.
 * Prints "ok" and exits 0, or names the failed check and exits 1. Needs no root. */
#include "../shim/resolve.c"

#include <ftw.h>
#include <limits.h>
#include <stdlib.h>

static int failures;

static void check(int cond, const char *mode, const char *what) {
  if (!cond) { printf("FAIL [%s] %s (errno %d: %s)\n", mode, what, errno, strerror(errno)); failures++; }
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st; (void)flag; (void)f;
  return remove(p);
}

/* Where fd points, as a host path. */
static const char *where(int fd, char *buf) {
  char l[64];
  ssize_t n = readlink(fd_path(fd, l, sizeof(l)), buf, PATH_MAX - 1);
  buf[n < 0 ? 0 : n] = '\0';
  return buf;
}

static void run(const char *tmp, const char *mode) {
  char root[PATH_MAX / 2], outside[PATH_MAX / 2], p[PATH_MAX * 2], got[PATH_MAX];
  snprintf(root, sizeof(root), "%s/%s-root", tmp, mode);
  snprintf(outside, sizeof(outside), "%s/%s-outside", tmp, mode);
  mkdir(root, 0755);
  mkdir(outside, 0755);
  snprintf(p, sizeof(p), "%s/dir", root); mkdir(p, 0755);
  snprintf(p, sizeof(p), "%s/abs", root); symlink(outside, p);            /* absolute host path */
  snprintf(p, sizeof(p), "%s/dir/rel", root); symlink("../../..", p);     /* climbs out */
  snprintf(p, sizeof(p), "%s/back", root); symlink("/dir", p);
  snprintf(p, sizeof(p), "%s/loop1", root); symlink("loop2", p);
  snprintf(p, sizeof(p), "%s/loop2", root); symlink("loop1", p);
  int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  check(rootfd >= 0, mode, "open root");

  int fd = resolve_open(rootfd, "/abs");
  check(fd < 0 && errno == ENOENT, mode, "absolute symlink to a host dir resolves inside the root (missing there)");
  if (fd >= 0) close(fd);
  fd = resolve_open(rootfd, "/dir/rel");
  check(fd >= 0 && !strcmp(where(fd, got), root), mode, "relative symlink climbing out stops at the root");
  if (fd >= 0) close(fd);
  fd = resolve_open(rootfd, "/../../..");
  check(fd >= 0 && !strcmp(where(fd, got), root), mode, "'..' stops at the root");
  if (fd >= 0) close(fd);
  fd = resolve_open(rootfd, "/back/");
  snprintf(p, sizeof(p), "%s/dir", root);
  check(fd >= 0 && !strcmp(where(fd, got), p), mode, "absolute symlink inside the root");
  if (fd >= 0) close(fd);
  fd = resolve_open(rootfd, "/loop1");
  check(fd < 0 && errno == ELOOP, mode, "symlink loop is ELOOP");
  if (fd >= 0) close(fd);

  fd = resolve_mkpath(rootfd, "/abs/sub", 0);
  snprintf(p, sizeof(p), "%s%s/sub", root, outside);
  check(fd >= 0 && !strcmp(where(fd, got), p), mode, "mkpath through a dangling absolute symlink creates inside the root");
  if (fd >= 0) close(fd);
  snprintf(p, sizeof(p), "%s/sub", outside);
  check(access(p, F_OK) < 0, mode, "nothing created outside the root");
  fd = resolve_mkpath(rootfd, "/dir/rel/dir2/file", 1);
  snprintf(p, sizeof(p), "%s/dir2/file", root);
  struct stat st;
  check(fd >= 0 && !strcmp(where(fd, got), p) && stat(p, &st) == 0 && S_ISREG(st.st_mode), mode, "mkpath of a file through a climbing symlink");
  if (fd >= 0) close(fd);
  const char *base = NULL;
  fd = resolve_parent(rootfd, "/back/x", &base);
  snprintf(p, sizeof(p), "%s/dir", root);
  check(fd >= 0 && base && !strcmp(base, "x") && !strcmp(where(fd, got), p), mode, "resolve_parent follows links in the parent");
  if (fd >= 0) close(fd);
  close(rootfd);
}

int main(void) {
  char tmpl[] = "/tmp/berth-test-resolve-XXXXXX";
  char *tmp = mkdtemp(tmpl);
  if (!tmp) { perror("mkdtemp"); return 1; }
  resolve_use_openat2(1);
  run(tmp, "openat2");
  resolve_use_openat2(0);
  run(tmp, "byhand");
  nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  if (failures) return 1;
  printf("ok\n");
  return 0;
}
