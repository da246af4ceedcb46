/* `berth-shim launcher`: forks and executes shims on request (native/README.md). */
#ifndef BERTH_SHIM_LAUNCHER_H
#define BERTH_SHIM_LAUNCHER_H

/* Serves requests on ctl_fd until it reaches EOF; returns the process exit code. */
int run_launcher(int ctl_fd);

/* The shim's entry (main.c): a spawn of the launcher's own program calls it in the forked
 * child instead of executing the program again. */
int shim_main(int argc, char **argv);

/* Re-executes the launcher (argv: program launcher --ctl-fd N) with a `--title-room` argument
 * of spaces, the room a directly started shim rewrites into its own command line. Returns only
 * if that failed: the launcher then executes every spawn. */
void launcher_make_title_room(char **argv);

/* The argument area [start, end) of a launcher started with `--title-room`: spawns of its own
 * program may skip exec from here on; the launcher's own title is set. */
void launcher_title_init(char *start, char *end);

#endif
