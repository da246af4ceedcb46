/* Mounts for the TypeScript side without forking mount(8): Node's fork of the daemon's heap
 * costs 9-14 ms per mount and blocks its event loop (bench/README.md, density). The launcher
 * lives in the host's mount namespace, so mounts made here are the caller's. */
#include "launcher_mount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int fail_errno(int err, char *msg, size_t msglen, const char *what, const char *target) {
  snprintf(msg, msglen, "%s %s: %s", what, target, strerror(err));
  return err;
}

int launcher_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data, const char *cwd, char *msg, size_t msglen) {
  int back = -1;
  if (cwd && *cwd) {
    back = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (back < 0) return fail_errno(errno, msg, msglen, "open the working directory for", target);
    if (chdir(cwd) < 0) {
      int err = errno;
      close(back);
      snprintf(msg, msglen, "chdir %s: %s", cwd, strerror(err));
      return err;
    }
  }
  int rc = 0;
  unsigned long first = flags & MS_BIND ? flags & (MS_BIND | MS_REC) : flags;
  if (mount(source, target, *fstype ? fstype : NULL, first, *data ? data : NULL) < 0) {
    rc = errno;
    snprintf(msg, msglen, "mount %s on %s: %s", *fstype ? fstype : source, target, strerror(rc));
  } else if ((flags & MS_BIND) && (flags & ~(MS_BIND | MS_REC))) {
    /* A bind ignores every other flag: they take a remount (what mount(8) does for "bind,ro"). */
    if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | (flags & ~MS_REC), NULL) < 0) {
      rc = errno;
      snprintf(msg, msglen, "remount the bind on %s: %s", target, strerror(rc));
      umount2(target, MNT_DETACH);
    }
  }
  if (back >= 0) {
    /* Children forked later inherit this cwd: it must be the launcher's own again. */
    if (fchdir(back) < 0 && rc == 0) {
      rc = fail_errno(errno, msg, msglen, "return from the working directory of", target);
      umount2(target, MNT_DETACH);
    }
    close(back);
  }
  return rc;
}

int launcher_umount(const char *target, int flags, char *msg, size_t msglen) {
  if (umount2(target, flags) < 0) return fail_errno(errno, msg, msglen, "umount", target);
  return 0;
}
