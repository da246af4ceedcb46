/* The launcher's mount requests (native/README.md, "launcher"): mount(2) and umount2(2) done by
 * the launcher process itself, in its (the host's) mount namespace. */
#ifndef BERTH_SHIM_LAUNCHER_MOUNT_H
#define BERTH_SHIM_LAUNCHER_MOUNT_H

#include <stddef.h>

/* mount(2) of source on target with fstype, MS_* flags and data. A bind (MS_BIND) with flags
 * beyond MS_BIND|MS_REC is followed by a remount MS_REMOUNT|MS_BIND|flags (a read-only bind),
 * undone with a lazy unmount if that fails. A non-empty cwd is the working directory during
 * the call (relative overlay lowerdirs keep the data under a page); the launcher's own is
 * restored after. Returns 0, or an errno value with a message in msg. */
int launcher_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data, const char *cwd, char *msg, size_t msglen);

/* umount2(2) with MNT_* flags. Returns 0, or an errno value with a message in msg. */
int launcher_umount(const char *target, int flags, char *msg, size_t msglen);

#endif
