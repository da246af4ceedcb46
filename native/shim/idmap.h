/* Idmapped mounts for user-namespaced containers (docs/userns.md): the image's layers are
 * presented with their ids shifted into the container's range, without copying or chowning. Used by the launcher's `idmapped_mount` request. */
#ifndef BERTH_SHIM_IDMAP_H
#define BERTH_SHIM_IDMAP_H

#include <stddef.h>

/* A user namespace with the given maps, as an O_CLOEXEC fd. Maps are "c:h:s[,c:h:s...]"
 * (container id, host id, size). A short-lived child unshares CLONE_NEWUSER, this process
 * writes its maps and opens /proc/PID/ns/user, then the child exits and is reaped here.
 * Returns the fd, or -errno with a message in msg. */
int idmap_userns_fd(const char *uid_map, const char *gid_map, char *msg, size_t msglen);

/* Like launcher_mount, but the image's directories are idmapped with the maps:
 * - fstype "overlay": data is the overlay's options. Each `lowerdir=` entry (':'-separated,
 *   topmost first; relative to cwd unless absolute) is cloned as an idmapped mount (open_tree
 *   + mount_setattr(MOUNT_ATTR_IDMAP)), attached at <target>.idmap-XXXXXX/<n> (overlayfs
 *   refuses detached layers) and handed to a new overlay by fd (fsconfig FSCONFIG_SET_FD
 *   "lowerdir+", Linux 6.13). upperdir and workdir are handed over as they are, NOT idmapped:
 *   overlayfs writes them as the mounter (host root), which an idmapped upper cannot store, so
 *   the writable layer holds host ids, as containerd's idmapped snapshots do. Other options are
 *   passed as they are. The overlay is attached at target (fsmount + move_mount), then the
 *   staged layer mounts are detached and their directories removed (the overlay holds private
 *   clones of them): unmounting target is all the cleanup there is.
 * - flags with MS_BIND (fstype empty): source is cloned (recursively with MS_REC), idmapped,
 *   made read-only if flags has MS_RDONLY, and attached at target.
 * Returns 0, or an errno value with a message in msg; nothing is left mounted on failure. */
int idmap_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data, const char *cwd,
                const char *uid_map, const char *gid_map, char *msg, size_t msglen);

#endif
