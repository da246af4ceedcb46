/* The exit record, written atomically so readers never see a partial file. */
#include "exitrec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* An unnamed file (O_TMPFILE): nothing new shows in the state dir until the exit, and nothing
 * is left behind if the shim dies. */
int exitrec_prepare(int dirfd) {
  return openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
}

int exitrec_write(int dirfd, int prepared, int status) {
  char buf[96];
  int n;
  if (WIFSIGNALED(status))
    n = snprintf(buf, sizeof(buf), "signaled\t%d\t%llu\n", WTERMSIG(status), (unsigned long long)now_ns());
  else
    n = snprintf(buf, sizeof(buf), "exited\t%d\t%llu\n", WEXITSTATUS(status), (unsigned long long)now_ns());
  if (prepared >= 0) {
    /* Written while unnamed, then named exit.tmp (a directory entry, no new inode) and renamed. */
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", prepared);
    int ok = write_all(prepared, buf, (size_t)n) == 0 && linkat(AT_FDCWD, path, dirfd, "exit.tmp", AT_SYMLINK_FOLLOW) == 0;
    close(prepared);
    if (ok) {
      if (renameat(dirfd, "exit.tmp", dirfd, "exit") == 0) return 0;
      int e = errno;
      unlinkat(dirfd, "exit.tmp", 0);
      errno = e;
      return -1;
    }
    /* Not linkable here (no /proc?): the usual way. */
  }
  return write_file_atomic(dirfd, "exit", buf, (size_t)n);
}
