/* Resolves container paths under the rootfs without letting symlinks escape it (openat2
 * RESOLVE_IN_ROOT), creating what is missing. */
#ifndef BERTH_SHIM_RESOLVE_H
#define BERTH_SHIM_RESOLVE_H

#include <stddef.h>
#include <sys/types.h>

/* Opens path (container view) under rootfd as an O_PATH fd. Returns the fd or -1 with errno. */
int resolve_open(int rootfd, const char *path);
/* Like resolve_open, creating missing parents as directories (0755) and the last component as
 * a directory, or as an empty file when last_is_file. */
int resolve_mkpath(int rootfd, const char *path, int last_is_file);
/* Opens the parent directory of path (creating it) and returns its fd; *base gets the last
 * component (points into path). Fails with EINVAL for "/". */
int resolve_parent(int rootfd, const char *path, const char **base);
/* Switches between openat2 (default; used when the kernel has it) and the by-hand resolver
 * (the fallback for kernels before 5.6; tests switch to it to check it). */
void resolve_use_openat2(int on);
/* "/proc/self/fd/N" for fd, in buf. */
const char *fd_path(int fd, char *buf, size_t len);

#endif
