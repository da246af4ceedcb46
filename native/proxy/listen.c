/* Binds the listeners of every mapping before anything is served, so the caller learns about a
 * conflict before the container is reachable and nothing stays half-published. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One socket bound (and, for TCP, listening) on ip:port; returns the fd or -errno. */
static int bind_one(int proto, struct in_addr ip, uint16_t port) {
  int fd = socket(AF_INET, (proto == PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  /* SO_REUSEADDR lets a restarted proxy bind while old connections sit in TIME_WAIT; it does
   * not let two listeners share a port. SO_REUSEPORT would, so it is never set. */
  if (proto == PROTO_TCP && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) goto err;
  /* UDP on a wildcard address: ask for the destination address of each datagram, so that
   * replies leave from the address the client talked to (udp.c). */
  if (proto == PROTO_UDP && setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0) goto err;
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = ip };
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) goto err;
  /* Listen at once: a later mapping with the same range must see this port as taken. */
  if (proto == PROTO_TCP && listen(fd, 4096) < 0) goto err;
  return fd;
err:;
  int e = errno;
  close(fd);
  return -e;
}

static uint16_t local_port(int fd) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) return 0;
  return ntohs(sa.sin_port);
}

static int bind_mapping(struct mapping *m, struct proxy_error *e) {
  char ip[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &m->host_ip, ip, sizeof(ip));
  const char *proto = m->proto == PROTO_TCP ? "tcp" : "udp";
  int fd = -EADDRINUSE;
  /* A range is tried in order (first free wins, as Docker's allocator); only "in use" moves on. */
  for (unsigned p = m->port_lo; p <= m->port_hi; p++) {
    fd = bind_one(m->proto, m->host_ip, (uint16_t)p);
    if (fd >= 0 || fd != -EADDRINUSE) break;
  }
  if (fd < 0) {
    e->err = -fd;
    if (m->port_lo != m->port_hi)
      snprintf(e->msg, sizeof(e->msg), "bind %s %s:%u-%u: %s", proto, ip, m->port_lo, m->port_hi,
               -fd == EADDRINUSE ? "every port in the range is in use" : strerror(-fd));
    else
      snprintf(e->msg, sizeof(e->msg), "bind %s %s:%u: %s", proto, ip, m->port_lo, strerror(-fd));
    return -1;
  }
  m->listen_fd = fd;
  m->bound_port = local_port(fd);
  return 0;
}

int listen_all(struct mapping *ms, int n, struct proxy_error *e) {
  for (int i = 0; i < n; i++) {
    if (bind_mapping(&ms[i], e) == 0) continue;
    for (int j = 0; j < i; j++) { close(ms[j].listen_fd); ms[j].listen_fd = -1; }
    return i;
  }
  return -1;
}
