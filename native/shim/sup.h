/* The supervisor: after the child is set up, the shim polls its output, the control socket and
 * SIGCHLD until the container has exited, the exit record is written and output is drained. */
#ifndef BERTH_SHIM_SUP_H
#define BERTH_SHIM_SUP_H

#include "launch.h"
#include "log.h"

struct client {
  int in_fd, out_fd; /* the same socket, or 0/1 for the terminal proxy */
  int is_socket;
  int attached;      /* receives output; its input goes to the container's stdin */
  int in_open;       /* still reading from it */
  int start_waiter;  /* waiting for the answer to `start` */
  char line[256];
  size_t linelen;
};

struct sup {
  struct launch *l;
  int dirfd;         /* state dir */
  int sigfd;
  int listen_fd;
  int exit_fd;       /* exit.tmp, made ahead of the exit (exitrec.h), or -1 */
  int foreground;    /* exec without --detach: forward signals, exit with the status */
  struct client *clients;
  size_t nclients, cap;
  struct cri_log log;
  int has_log;
  int start_state;   /* 0 = not started, 1 = start sent, 2 = done */
  int exited, status;
  char *buf;         /* one read of output */
  char inbuf[4096];  /* pending bytes for the container's stdin */
  size_t inlen, inoff;
  int close_in_after; /* stdin_once: close stdin when inbuf is flushed */
  int proxy_stdin;    /* our fd 0 feeds the pty (terminal + stdio inherit) */
};

/* ctl.c: the control socket. */
int ctl_listen(int dirfd, struct shim_err *e);
void ctl_accept(struct sup *s);
/* Reads from client i; returns 0, or -1 when the client was closed (it may have been moved). */
int ctl_client_input(struct sup *s, size_t i);
void client_close(struct sup *s, size_t i);
int client_add(struct sup *s, int in_fd, int out_fd, int is_socket, int attached);
/* Writes a line to a client (best effort). */
void client_say(struct client *c, const char *line);
/* Tries to move inbuf into the container's stdin (non-blocking). */
void stdin_flush(struct sup *s);
int stdin_target(const struct sup *s);

/* loop.c: runs until the container exited and everything is written. Returns the wait status. */
int sup_run(struct sup *s);

#endif
