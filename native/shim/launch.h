/* What the shim and its container child share across clone/fork. */
#ifndef BERTH_SHIM_LAUNCH_H
#define BERTH_SHIM_LAUNCH_H

#include "options.h"
#include "plan.h"
#include "stdio.h"

struct launch {
  const struct options *opt;
  struct plan *plan;
  struct stdio_fds stdio;
  int sock;           /* shim<->child channel (each side keeps its own end) */
  int peer_sock;      /* the other end, closed right after clone/fork */
  int ns_fds[NS_COUNT]; /* exec mode: namespaces of the target to join in the child (-1 = skip) */
  pid_t pid;          /* the child (host pid), known to the shim */
};

/* Container child of `create`: runs the setup sequence, waits for `start`, execs. Never returns. */
void child_create_main(struct launch *l) __attribute__((noreturn));
/* Child of `exec`: joins the namespaces, applies the process part, execs. Never returns. */
void child_exec_main(struct launch *l) __attribute__((noreturn));

#endif
