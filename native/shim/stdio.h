/* The container's stdio: pipes held by the shim, /dev/null, or a pty created inside the
 * container's devpts (the master is handed to the shim or to a console socket). */
#ifndef BERTH_SHIM_STDIO_H
#define BERTH_SHIM_STDIO_H

#include "options.h"
#include "plan.h"
#include "util.h"

struct stdio_fds {
  int child[3];  /* what becomes the child's 0, 1, 2 (-1: keep the inherited one) */
  int in_w;      /* shim: write end of the container's stdin (-1 if closed) */
  int out_r;     /* shim: read end of stdout */
  int err_r;     /* shim: read end of stderr */
  int master;    /* shim: pty master (-1 unless terminal without console socket) */
};

/* Shim side, before clone/fork: creates pipes for STDIO_PIPES (not for terminal). */
int stdio_prepare(const struct options *o, const struct plan *p, struct stdio_fds *s, struct shim_err *e);
/* Child side: closes the shim's ends and installs child[] as 0, 1, 2. */
int stdio_child_install(struct stdio_fds *s, struct shim_err *e);
/* Shim side after the child exists: closes the child's ends. */
void stdio_close_child(struct stdio_fds *s);
void stdio_close_all(struct stdio_fds *s);
/* Child side, inside the container: opens /dev/ptmx, makes the slave the controlling
 * terminal and 0, 1, 2, optionally bind-mounts it on /dev/console, returns the master. */
int pty_setup(const struct plan *p, int bind_console, int *master, struct shim_err *e);
/* Shim side: sends the master to the console socket (runc protocol). */
int console_socket_send(const char *path, int master, struct shim_err *e);
int pty_resize(int master, unsigned rows, unsigned cols);

#endif
