/* Flat seccomp profile (native/README.md) -> libseccomp filter. */
#ifndef BERTH_SECCOMP_FILTER_H
#define BERTH_SECCOMP_FILTER_H

#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

#include "lines.h"

/* Builds a filter from the parsed profile (and reports its default action). Returns the filter, or NULL with a one-line reason
 * ("<what>: <detail>") in err. Rules for syscalls this libseccomp does not know, and rules
 * whose action equals the default action, are skipped (as runc and crun do). */
scmp_filter_ctx filter_build(const struct lines *profile, uint32_t *def_action, char *err, size_t errlen);

#endif
