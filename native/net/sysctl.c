/* sysctl: writes /proc/sys/<key> in the helper's (the host's) network namespace. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

/* "net.ipv4.ip_forward" → "/proc/sys/net/ipv4/ip_forward". A key with slashes is taken as a
 * path already (as sysctl(8) does: interface names may contain dots). No empty, "." or ".."
 * component, so the path stays under /proc/sys. */
static int key_path(const char *key, char *path, size_t len) {
  int slashes = strchr(key, '/') != NULL;
  char sep = slashes ? '/' : '.';
  size_t n = strlen(key);
  if (n == 0 || n + 11 > len) return -1;
  const char *c = key;
  for (;;) {
    const char *e = strchr(c, sep);
    size_t cl = e ? (size_t)(e - c) : strlen(c);
    if (cl == 0 || (cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.')) return -1;
    if (!e) break;
    c = e + 1;
  }
  snprintf(path, len, "/proc/sys/%s", key);
  if (!slashes)
    for (char *p = path + 10; *p; p++)
      if (*p == '.') *p = '/';
  return 0;
}

int op_sysctl(struct helper *h, char **f, struct reply *rp) {
  const char *key = f[0], *value = f[1];
  char path[512];
  if (key_path(key, path, sizeof(path)) < 0) return op_fail_text(rp, EINVAL, "sysctl %s: invalid key", key);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return op_fail(rp, errno, NULL, "sysctl %s: open %s", key, path);
  size_t n = strlen(value);
  ssize_t w;
  do w = write(fd, value, n);
  while (w < 0 && errno == EINTR);
  int e = w < 0 ? errno : (size_t)w != n ? EIO : 0;
  close(fd);
  if (e) return op_fail(rp, e, NULL, "sysctl %s: write %s", key, value);
  return 0;
}
