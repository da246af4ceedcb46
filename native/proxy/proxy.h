/* berth-proxy: the published-port proxy (native/README.md, "berth-proxy"). Shared types. */
#ifndef BERTH_PROXY_H
#define BERTH_PROXY_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/epoll.h>

#define PROTO_TCP 1
#define PROTO_UDP 2

/* One MAPPING argument, parsed; listen_fd/bound_port are filled by listen_all(). */
struct mapping {
  const char *text;               /* the argument as given (for error lines) */
  int proto;                      /* PROTO_TCP or PROTO_UDP */
  struct in_addr host_ip;
  uint16_t port_lo, port_hi;      /* 0/0 = kernel-chosen; lo == hi = fixed; else first free */
  struct sockaddr_in container;
  int listen_fd;
  uint16_t bound_port;
};

/* An error meant for the ready fd: errno value plus a human message. */
struct proxy_error {
  int err;
  char msg[256];
};

/* mapping.c: "proto:host_ip:host_port:container_ip:container_port" -> m. */
int mapping_parse(const char *text, struct mapping *m, struct proxy_error *e);

/* listen.c: binds (and listens on) every mapping in order; on failure closes everything bound
 * so far and returns the index of the failing mapping (>= 0) with e filled; -1 on success. */
int listen_all(struct mapping *ms, int n, struct proxy_error *e);

/* loop.c: one epoll loop; every registered fd carries a watcher as its data.ptr. */
struct watcher {
  void (*on_event)(struct watcher *w, uint32_t events);
};
int loop_init(void);
int loop_add(int fd, uint32_t events, struct watcher *w);
int loop_mod(int fd, uint32_t events, struct watcher *w);
void loop_del(int fd);
/* Called at least once a second while it returns nonzero (used for UDP expiry). */
void loop_set_tick(int (*tick)(uint64_t now_ms));
uint64_t loop_now_ms(void);
/* Frees p after the current batch of events (another event of the batch may still name it). */
void loop_defer_free(void *p);
/* Runs until SIGTERM/SIGINT (returns 0) or a fatal epoll error (returns -1). */
int loop_run(void);

/* tcp.c / udp.c: start serving a bound mapping. */
int tcp_serve(struct mapping *m);
int udp_serve(struct mapping *m);
/* How long a UDP flow may stay idle before it is dropped (default 30 s). */
void udp_set_idle_ms(unsigned ms);
/* The TCP connection cap asked for (default 4096); tcp_set_limits may lower it. */
void tcp_set_max_conns(int n);
/* Raises RLIMIT_NOFILE to its hard limit and lowers the TCP connection cap to fit the fds. */
void tcp_set_limits(void);

/* Diagnostics on stderr, prefixed "berth-proxy: ". */
void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Name of an errno value ("EADDRINUSE"), or its number as text. */
const char *errno_name(int err);

#endif
