/* The container's filesystem: rootfs propagation and bind, planned mounts, devices, symlinks,
 * pivot_root, then (after pivot) sysctls, read-only and masked paths and the read-only root. */
#ifndef BERTH_SHIM_MOUNTS_H
#define BERTH_SHIM_MOUNTS_H

#include "plan.h"

/* Before pivot_root: propagation of "/", rootfs bind, mounts in order, devices, symlinks,
 * /dev/ptmx. in_userns: devices are bind-mounted from the host instead of mknod. Leaves
 * *rootfd open on the rootfs (caller closes). */
int mounts_prepare(const struct plan *p, int in_userns, int *rootfd, struct shim_err *e);
/* pivot_root(".", ".") into the rootfs and detach the old root. */
int mounts_pivot(const struct plan *p, int rootfd, struct shim_err *e);
/* After pivot_root: sysctls, readonly paths, masked paths, read-only root (runc's order). */
int mounts_finalize(const struct plan *p, struct shim_err *e);
/* Bind-mounts the file at src_fd onto path inside the (pivoted) container, creating it. */
int mounts_bind_console(const char *slave_path, struct shim_err *e);

#endif
