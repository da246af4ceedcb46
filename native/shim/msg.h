/* Messages on the shim<->child channel (a SOCK_SEQPACKET pair): short text, optionally one fd. */
#ifndef BERTH_SHIM_MSG_H
#define BERTH_SHIM_MSG_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

#define MSG_MAX 1024

/* Sends text (and passfd when >= 0). Returns 0 or -1 with errno. */
int msg_send(int sock, const char *text, int passfd);
/* Receives one message into buf (NUL-terminated). Returns its length, 0 on EOF, -1 on error.
 * A received fd goes to *fd (else -1); fd may be NULL to refuse fds. */
ssize_t msg_recv(int sock, char *buf, size_t len, int *fd);
/* Sends e as an error line. */
int msg_send_err(int sock, const struct shim_err *e);
/* Sends the fd over a unix stream socket (the runc console-socket protocol). */
int send_fd(int sock, int fd, const char *name);

#endif
