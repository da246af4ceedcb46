/* The ENOSYS prologue runc puts in front of every filter (libcontainer/seccomp/patchbpf). */
#ifndef BERTH_SECCOMP_ENOSYS_H
#define BERTH_SECCOMP_ENOSYS_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "lines.h"

#define ENOSYS_STUB_MAX 128

/* Builds the prologue for a profile whose default action is def_action: for each architecture
 * the profile lists, a syscall number above the largest one the profile names answers ENOSYS
 * instead of the default action, so a libc newer than the profile falls back to older calls
 * (as it does on an older kernel) instead of failing with EPERM. Empty (n = 0) when the
 * default is permissive or already ENOSYS. Returns 0, or -1 with a reason in err. */
int enosys_stub(const struct lines *profile, uint32_t def_action, struct sock_filter *out, size_t *n, char *err, size_t errlen);

#endif
