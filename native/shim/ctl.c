/* The control socket DIR/ctl.sock: one line command, one line answer (native/README.md).
 * `start` is answered later, when the child's channel shows whether execve worked. */
#include "sup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "msg.h"

int ctl_listen(int dirfd, struct shim_err *e) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0) return fail(e, "ctl", errno, "socket: %s", strerror(errno));
  /* Bind relative to the state dir (our cwd), so long state paths fit in sun_path. */
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  strcpy(sa.sun_path, "ctl.sock");
  unlinkat(dirfd, "ctl.sock", 0);
  mode_t old = umask(0177);
  int r = bind(s, (struct sockaddr *)&sa, sizeof(sa));
  int err = errno;
  umask(old);
  if (r < 0) { close(s); return fail(e, "ctl", err, "bind ctl.sock: %s", strerror(err)); }
  if (fchmodat(dirfd, "ctl.sock", 0600, 0) < 0 || listen(s, 16) < 0) {
    err = errno;
    close(s);
    unlinkat(dirfd, "ctl.sock", 0);
    return fail(e, "ctl", err, "listen on ctl.sock: %s", strerror(err));
  }
  return s;
}

int client_add(struct sup *s, int in_fd, int out_fd, int is_socket, int attached) {
  if (s->nclients == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 4;
    struct client *c = realloc(s->clients, cap * sizeof(*c));
    if (!c) return -1;
    s->clients = c;
    s->cap = cap;
  }
  struct client *c = &s->clients[s->nclients++];
  memset(c, 0, sizeof(*c));
  c->in_fd = in_fd;
  c->out_fd = out_fd;
  c->is_socket = is_socket;
  c->attached = attached;
  c->in_open = 1;
  return 0;
}

void client_close(struct sup *s, size_t i) {
  struct client *c = &s->clients[i];
  if (c->is_socket) close(c->in_fd);
  s->clients[i] = s->clients[--s->nclients];
}

void ctl_accept(struct sup *s) {
  for (;;) {
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return; /* EAGAIN or a transient error: poll again */
    /* A stalled attach client may hold the shim for this long at most, then it is dropped. */
    struct timeval tv = {.tv_sec = 5, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (client_add(s, fd, fd, 1, 0) < 0) close(fd);
  }
}

void client_say(struct client *c, const char *line) {
  size_t len = strlen(line);
  const char *p = line;
  while (len > 0) {
    ssize_t w = send(c->out_fd, p, len, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    len -= (size_t)w;
  }
}

int stdin_target(const struct sup *s) {
  if (s->l->stdio.master >= 0) return s->l->stdio.master;
  return s->l->stdio.in_w;
}

void stdin_flush(struct sup *s) {
  int fd = stdin_target(s);
  if (fd < 0) { s->inlen = s->inoff = 0; return; }
  while (s->inoff < s->inlen) {
    ssize_t w = write(fd, s->inbuf + s->inoff, s->inlen - s->inoff);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) return;
    if (w <= 0) { s->inoff = s->inlen; break; } /* reader gone: drop the input */
    s->inoff += (size_t)w;
  }
  s->inlen = s->inoff = 0;
  if (s->close_in_after && s->l->stdio.in_w >= 0) {
    close(s->l->stdio.in_w);
    s->l->stdio.in_w = -1;
    s->close_in_after = 0;
  }
}

static void errline(char *out, size_t len, const char *stage, int err, const char *msg) {
  struct shim_err e;
  fail(&e, stage, err, "%s", msg);
  err_format(&e, out, len);
}

static void cmd_start(struct sup *s, struct client *c) {
  char out[256];
  if (s->l->opt->mode != MODE_CREATE) { errline(out, sizeof(out), "start", EINVAL, "not a created container"); client_say(c, out); return; }
  if (s->start_state != 0 || s->l->sock < 0 || s->exited) {
    errline(out, sizeof(out), "start", EBUSY, s->exited ? "the container has exited" : "the container was already started");
    client_say(c, out);
    return;
  }
  if (msg_send(s->l->sock, "start", -1) < 0) {
    errline(out, sizeof(out), "start", errno, "the container process is gone");
    client_say(c, out);
    return;
  }
  s->start_state = 1;
  c->start_waiter = 1;
}

static void cmd_resize(struct sup *s, struct client *c, char *args) {
  char out[256];
  uint64_t rows, cols;
  char *tab = strchr(args, '\t');
  if (!tab) { errline(out, sizeof(out), "resize", EINVAL, "usage: resize<TAB>rows<TAB>cols"); client_say(c, out); return; }
  *tab = '\0';
  if (parse_u64(args, 10, &rows) < 0 || parse_u64(tab + 1, 10, &cols) < 0 || rows > 65535 || cols > 65535) {
    errline(out, sizeof(out), "resize", EINVAL, "bad size");
    client_say(c, out);
    return;
  }
  if (s->l->stdio.master < 0) { errline(out, sizeof(out), "resize", ENOTTY, "the container has no terminal held by the shim"); client_say(c, out); return; }
  if (pty_resize(s->l->stdio.master, (unsigned)rows, (unsigned)cols) < 0) { errline(out, sizeof(out), "resize", errno, strerror(errno)); client_say(c, out); return; }
  client_say(c, "ok\n");
}

/* Bytes from an attached client go to the container's stdin (through inbuf). */
static void take_input(struct sup *s, const char *data, size_t len) {
  if (stdin_target(s) < 0) return;
  /* Callers read at most the free room, so this always fits. */
  if (len > sizeof(s->inbuf) - s->inlen) len = sizeof(s->inbuf) - s->inlen;
  memcpy(s->inbuf + s->inlen, data, len);
  s->inlen += len;
  stdin_flush(s);
}

static void command(struct sup *s, struct client *c, char *line) {
  char out[256];
  if (!strcmp(line, "start")) {
    cmd_start(s, c);
  } else if (!strcmp(line, "attach")) {
    if (!s->has_log && s->l->stdio.out_r < 0 && s->l->stdio.master < 0) {
      errline(out, sizeof(out), "attach", ENOTSUP, "the shim holds no output of this container (stdio inherit or console socket)");
      client_say(c, out);
      return;
    }
    client_say(c, "ok\n");
    c->attached = 1;
  } else if (!strncmp(line, "resize\t", 7)) {
    cmd_resize(s, c, line + 7);
  } else {
    errline(out, sizeof(out), "ctl", EINVAL, "unknown command");
    client_say(c, out);
  }
}

int ctl_client_input(struct sup *s, size_t i) {
  struct client *c = &s->clients[i];
  char buf[4096];
  size_t room = sizeof(buf);
  if (c->attached) {
    room = sizeof(s->inbuf) - s->inlen;
    if (room == 0) return 0;
  }
  ssize_t r = read(c->in_fd, buf, room);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
  if (r <= 0) {
    c->in_open = 0;
    if (c->attached) {
      /* Half-close: stdin_once closes the container's stdin (after pending bytes). */
      if (s->l->plan->stdin_once && s->l->stdio.in_w >= 0) {
        s->close_in_after = 1;
        stdin_flush(s);
      }
      /* The terminal proxy keeps sending output to our stdout after its stdin ended. */
      if (r < 0) { client_close(s, i); return -1; }
      return 0;
    }
    if (!c->start_waiter) { client_close(s, i); return -1; }
    return 0;
  }
  if (c->attached) { take_input(s, buf, (size_t)r); return 0; }
  for (ssize_t k = 0; k < r; k++) {
    if (buf[k] != '\n') {
      if (c->linelen + 1 >= sizeof(c->line)) { client_say(c, "error\tctl\t7\tcommand too long\n"); client_close(s, i); return -1; }
      c->line[c->linelen++] = buf[k];
      continue;
    }
    c->line[c->linelen] = '\0';
    c->linelen = 0;
    command(s, c, c->line);
    if (c->attached) {
      /* Whatever followed the attach line is already input for the container. */
      if (k + 1 < r) take_input(s, buf + k + 1, (size_t)(r - k - 1));
      break;
    }
  }
  return 0;
}
