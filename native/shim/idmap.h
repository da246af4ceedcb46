/* Idmapped mounts for user-namespaced containers (docs/userns.md): the image's layers and the
 * container's upper/work dirs are presented with their ids shifted into the container's range,
 * without copying or chowning anything. Used by the launcher's `idmapped_mount` request. */
#ifndef BERTH_SHIM_IDMAP_H
#define BERTH_SHIM_IDMAP_H

#include <stddef.h>

/* A user namespace with the given maps, as an O_CLOEXEC fd. Maps are "c:h:s[,c:h:s...]"
 * (container id, host id, size). A short-lived child unshares CLONE_NEWUSER, this process
 * writes its maps and opens /proc/PID/ns/user, then the child exits and is reaped here.
 * Returns the fd, or -errno with a message in msg. */
int idmap_userns_fd(const char *uid_map, const char *gid_map, char *msg, size_t msglen);

/* Like launcher_mount, but every directory the mount is made of is idmapped with the maps:
 * - fstype "overlay": data is the overlay's options; each `lowerdir=` entry (':'-separated,
 *   topmost first), `upperdir=` and `workdir=` is opened (relative to cwd if not absolute),
 *   cloned as a detached idmapped mount (open_tree + mount_setattr(MOUNT_ATTR_IDMAP)) and
 *   handed to a new overlay by fd (fsconfig FSCONFIG_SET_FD "lowerdir+"/"upperdir"/"workdir",
 *   Linux 6.13); the other options are passed as they are. The overlay is then attached at
 *   target (fsmount + move_mount). The idmapped layer mounts are never attached anywhere: the
 *   overlay holds them, and they go away with it, so unmounting target is all the cleanup.
 * - flags with MS_BIND (fstype empty): source is cloned (recursively with MS_REC), idmapped,
 *   made read-only if flags has MS_RDONLY, and attached at target.
 * Returns 0, or an errno value with a message in msg; nothing is left mounted on failure. */
int idmap_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data, const char *cwd,
                const char *uid_map, const char *gid_map, char *msg, size_t msglen);

#endif
