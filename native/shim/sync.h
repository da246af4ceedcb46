/* The report on --sync-fd: `ok\t<pid>\t<shimpid>\n` or `error\t<stage>\t<errno>\t<message>\n`,
 * and the daemonizing fork that lets the caller's process exit once the report is written. */
#ifndef BERTH_SHIM_SYNC_H
#define BERTH_SHIM_SYNC_H

#include <sys/types.h>

#include "options.h"
#include "util.h"

/* Forks. The original process waits for the daemon's report line, relays it to --sync-fd (or
 * stdout) and exits 0 (ok) or 1. The daemon returns here with *report_fd to write the report
 * to, and *direct_fd, its own copy of --sync-fd (or stdout): the ok line goes there at once (one
 * process wake-up sooner), and the original process, told "delivered", exits 0 without
 * relaying. The daemon has its own session, is a child subreaper, and has /dev/null as stdio
 * unless --stdio inherit. */
int sync_daemonize(const struct options *o, int *report_fd, int *direct_fd, struct shim_err *e);
/* The ok report: to *direct_fd when it is open (then "delivered" to fd, and *direct_fd is
 * closed), else to fd. */
void sync_report_ok(int fd, int *direct_fd, pid_t pid, pid_t shim_pid);
void sync_report_err(int fd, const struct shim_err *e);

#endif
