/* TCP forwarding: accept, non-blocking connect to the container, then relay each direction
 * through its own pipe with splice(2) (the bytes never enter user space). A direction that
 * reads EOF shuts down the write side of its destination (half-close is kept end to end); the
 * connection is closed when both directions are done, or reset on any error. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* Each connection costs 6 fds: two sockets and a pipe per direction. */
#define FDS_PER_CONN 6
#define CONN_CAP 4096
#define SPLICE_CHUNK (1 << 16)

struct listener {
  struct watcher w;
  struct mapping *m;
};

struct conn;
struct side {
  struct watcher w;
  struct conn *c;
  int fd;
};

/* One direction: bytes read from src wait in the pipe until dst takes them. */
struct dir {
  int pipe[2];
  size_t pending;
  int eof;  /* src said EOF */
  int done; /* EOF passed on: dst's write side is shut down */
};

struct conn {
  struct side client, backend;
  struct dir up, down; /* up: client -> container; down: container -> client */
  int connecting;
  int closed;
};

static int conn_cap = CONN_CAP;
static int nconns;
static int reserve_fd = -1; /* kept so that accept can still drain the queue at EMFILE */

static int cap_asked; /* set by --max-conns: then a lowered cap is worth a line */

void tcp_set_max_conns(int n) { conn_cap = n; cap_asked = 1; }

void tcp_set_limits(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    if (rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
      getrlimit(RLIMIT_NOFILE, &rl);
    }
    long budget = rl.rlim_cur == RLIM_INFINITY ? 1L << 20 : (long)rl.rlim_cur;
    long cap = (budget - 64) / FDS_PER_CONN;
    if (cap < 1) cap = 1;
    if (cap < conn_cap) {
      if (cap_asked) logf_("connection cap lowered from %d to %ld to fit RLIMIT_NOFILE %ld", conn_cap, cap, budget);
      conn_cap = (int)cap;
    }
  }
  reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Rate-limits a repeated warning to one line a second. */
static int should_warn(uint64_t *last) {
  uint64_t now = loop_now_ms();
  if (*last != 0 && now - *last < 1000) return 0;
  *last = now;
  return 1;
}

static void reset_close(int fd) {
  if (fd < 0) return;
  struct linger lg = { .l_onoff = 1, .l_linger = 0 };
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  close(fd);
}

static void close_pipe(struct dir *d) {
  for (int i = 0; i < 2; i++) if (d->pipe[i] >= 0) { close(d->pipe[i]); d->pipe[i] = -1; }
}

/* Ends a connection; reset = send RST to both peers (an error on either side). */
static void conn_close(struct conn *c, int reset) {
  if (c->closed) return;
  c->closed = 1;
  loop_del(c->client.fd);
  loop_del(c->backend.fd);
  if (reset) { reset_close(c->client.fd); reset_close(c->backend.fd); }
  else { close(c->client.fd); close(c->backend.fd); }
  close_pipe(&c->up);
  close_pipe(&c->down);
  nconns--;
  loop_defer_free(c);
}

/* Moves what can be moved from src to dst without blocking; 0, or -1 on a socket error. */
static int pump(struct dir *d, int src, int dst) {
  for (;;) {
    if (d->pending > 0) {
      ssize_t n = splice(d->pipe[0], NULL, dst, NULL, d->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) { d->pending -= (size_t)n; continue; }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return 0; /* dst full: its EPOLLOUT resumes us */
      return -1;
    }
    if (d->eof) {
      if (!d->done) { shutdown(dst, SHUT_WR); d->done = 1; }
      return 0;
    }
    ssize_t n = splice(src, NULL, d->pipe[1], NULL, SPLICE_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) { d->pending += (size_t)n; continue; }
    if (n == 0) { d->eof = 1; continue; }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return 0; /* src drained: its EPOLLIN resumes us */
    return -1;
  }
}

static void conn_relay(struct conn *c) {
  if (pump(&c->up, c->client.fd, c->backend.fd) < 0 || pump(&c->down, c->backend.fd, c->client.fd) < 0) {
    conn_close(c, 1);
    return;
  }
  if (c->up.done && c->down.done) conn_close(c, 0);
}

static int make_pipe(struct dir *d) {
  if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) < 0) return -1;
  return 0;
}

static void conn_connected(struct conn *c) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(c->backend.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err == 0 && (make_pipe(&c->up) < 0 || make_pipe(&c->down) < 0)) {
    err = errno;
    logf_("tcp: no pipe for a new connection: %s", strerror(err));
  }
  if (err != 0) {
    /* The container refused or is unreachable: the client learns it through a reset. */
    conn_close(c, 1);
    return;
  }
  c->connecting = 0;
  conn_relay(c);
}

static void on_side(struct watcher *w, uint32_t events) {
  struct side *s = (struct side *)w;
  struct conn *c = s->c;
  if (c->closed) return;
  if (c->connecting) {
    /* Only the backend's writability (or error) ends a connect; client bytes wait in the
     * socket and are picked up by the first relay after it. */
    if (s == &c->backend && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) conn_connected(c);
    return;
  }
  conn_relay(c);
  if (!c->closed && (events & EPOLLERR)) conn_close(c, 1);
}

static void accept_one(struct listener *l, int fd) {
  static uint64_t warned;
  char ip[INET_ADDRSTRLEN];
  if (nconns >= conn_cap) {
    if (should_warn(&warned)) {
      inet_ntop(AF_INET, &l->m->host_ip, ip, sizeof(ip));
      logf_("tcp %s:%u: connection limit (%d) reached, refusing new connections", ip, l->m->bound_port, conn_cap);
    }
    reset_close(fd);
    return;
  }
  struct conn *c = calloc(1, sizeof(*c));
  int bfd = c ? socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
  if (bfd < 0) {
    if (should_warn(&warned)) logf_("tcp: cannot open a connection to the container: %s", c ? strerror(errno) : "out of memory");
    free(c);
    reset_close(fd);
    return;
  }
  c->client = (struct side){ .w.on_event = on_side, .c = c, .fd = fd };
  c->backend = (struct side){ .w.on_event = on_side, .c = c, .fd = bfd };
  c->up.pipe[0] = c->up.pipe[1] = c->down.pipe[0] = c->down.pipe[1] = -1;
  c->connecting = 1;
  nconns++;
  int r = connect(bfd, (struct sockaddr *)&l->m->container, sizeof(l->m->container));
  /* Edge-triggered: every handler drains both sockets until EAGAIN, so no level is needed. */
  uint32_t ev = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  if (loop_add(fd, ev, &c->client.w) < 0 || loop_add(bfd, ev, &c->backend.w) < 0) {
    logf_("tcp: epoll_ctl: %s", strerror(errno));
    conn_close(c, 1);
    return;
  }
  if (r == 0) conn_connected(c);
  else if (errno != EINPROGRESS) conn_close(c, 1);
}

static void on_listener(struct watcher *w, uint32_t events) {
  struct listener *l = (struct listener *)w;
  static uint64_t warned;
  for (;;) {
    int fd = accept4(l->m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) { accept_one(l, fd); continue; }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if ((errno == EMFILE || errno == ENFILE) && reserve_fd >= 0) {
      /* Out of fds: take the pending connection with the reserve fd and reset it, otherwise the
       * level-triggered listener would spin. */
      if (should_warn(&warned)) logf_("tcp: out of file descriptors, refusing connections");
      close(reserve_fd);
      fd = accept4(l->m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0) reset_close(fd);
      reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      continue;
    }
    if (errno != EAGAIN && should_warn(&warned)) logf_("tcp: accept: %s", strerror(errno));
    return;
  }
}

int tcp_serve(struct mapping *m) {
  struct listener *l = calloc(1, sizeof(*l));
  if (!l) { errno = ENOMEM; return -1; }
  l->w.on_event = on_listener;
  l->m = m;
  return loop_add(m->listen_fd, EPOLLIN, &l->w);
}
