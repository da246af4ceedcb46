/* `berth-shim launcher`: forks and executes shims on request (native/README.md). */
#ifndef BERTH_SHIM_LAUNCHER_H
#define BERTH_SHIM_LAUNCHER_H

/* Serves requests on ctl_fd until it reaches EOF; returns the process exit code. */
int run_launcher(int ctl_fd);

#endif
