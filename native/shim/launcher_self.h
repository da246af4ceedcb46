/* Spawns of the launcher's own program without exec (launcher_self.c). */
#ifndef BERTH_SHIM_LAUNCHER_SELF_H
#define BERTH_SHIM_LAUNCHER_SELF_H

/* Whether `program` is the launcher's own executable and the title room was reserved. */
int launcher_is_self(const char *program);

/* In the forked child, stdio and fd 3 in place: the shim's command line as the process's
 * title, then the shim's main with argv; never returns. */
void launcher_run_self(char **argv) __attribute__((noreturn));

#endif
