/* UDP forwarding. One listening socket per mapping; each client address gets its own socket
 * connected to the container (a "flow"), so the container sees one peer per client and its
 * replies come back on that socket, to be sent to the client from the listening socket. Flows
 * idle for 30 s are dropped (Docker's userland proxy keeps the same kind of table). */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FLOW_CAP 4096
#define NBUCKETS 1024
#define DGRAM_MAX 65536

struct udp_listener {
  struct watcher w;
  struct mapping *m;
};

struct flow {
  struct watcher w;
  struct udp_listener *l;
  struct sockaddr_in client;
  struct in_addr local; /* the address the client sent to: replies leave from it */
  int fd;
  uint64_t last;
  struct flow *next;
};

static struct flow *buckets[NBUCKETS];
static int nflows;
static unsigned idle_ms = 30000;

void udp_set_idle_ms(unsigned ms) { idle_ms = ms; }
static unsigned char buf[DGRAM_MAX];

static unsigned bucket_of(const struct udp_listener *l, const struct sockaddr_in *a) {
  uint64_t h = (uintptr_t)l;
  h = h * 31 + a->sin_addr.s_addr;
  h = h * 31 + a->sin_port;
  h ^= h >> 17;
  return (unsigned)(h % NBUCKETS);
}

static struct flow *flow_find(struct udp_listener *l, const struct sockaddr_in *a) {
  for (struct flow *f = buckets[bucket_of(l, a)]; f; f = f->next)
    if (f->l == l && f->client.sin_addr.s_addr == a->sin_addr.s_addr && f->client.sin_port == a->sin_port) return f;
  return NULL;
}

static void flow_remove(struct flow *f) {
  struct flow **pp = &buckets[bucket_of(f->l, &f->client)];
  while (*pp && *pp != f) pp = &(*pp)->next;
  if (*pp) *pp = f->next;
  loop_del(f->fd);
  close(f->fd);
  f->fd = -1;
  nflows--;
  loop_defer_free(f);
}

static int should_warn(uint64_t *last) {
  uint64_t now = loop_now_ms();
  if (*last != 0 && now - *last < 1000) return 0;
  *last = now;
  return 1;
}

/* Replies from the container go back to the client from the listening socket, with the
 * client's original destination address as source (IP_PKTINFO) when listening on 0.0.0.0. */
static void on_flow(struct watcher *w, uint32_t events) {
  struct flow *f = (struct flow *)w;
  if (f->fd < 0) return;
  for (;;) {
    ssize_t n = recv(f->fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR || errno == ECONNREFUSED) continue; /* ICMP from the container: nothing to relay */
      return;                                                /* EAGAIN, or an error: wait for more */
    }
    f->last = loop_now_ms();
    struct iovec iov = { .iov_base = buf, .iov_len = (size_t)n };
    union { char b[CMSG_SPACE(sizeof(struct in_pktinfo))]; struct cmsghdr align; } cbuf;
    struct msghdr msg = { .msg_name = &f->client, .msg_namelen = sizeof(f->client), .msg_iov = &iov, .msg_iovlen = 1 };
    if (f->l->m->host_ip.s_addr == htonl(INADDR_ANY) && f->local.s_addr != 0) {
      memset(&cbuf, 0, sizeof(cbuf));
      msg.msg_control = cbuf.b;
      msg.msg_controllen = sizeof(cbuf.b);
      struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
      cm->cmsg_level = IPPROTO_IP;
      cm->cmsg_type = IP_PKTINFO;
      cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
      struct in_pktinfo pi = { .ipi_spec_dst = f->local };
      memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
    }
    /* A full socket buffer drops the datagram, as the network would. */
    sendmsg(f->l->m->listen_fd, &msg, MSG_DONTWAIT);
  }
}

static struct flow *flow_open(struct udp_listener *l, const struct sockaddr_in *client) {
  static uint64_t warned;
  char ip[INET_ADDRSTRLEN];
  if (nflows >= FLOW_CAP) {
    if (should_warn(&warned)) {
      inet_ntop(AF_INET, &l->m->host_ip, ip, sizeof(ip));
      logf_("udp %s:%u: flow limit (%d) reached, dropping datagrams from new clients", ip, l->m->bound_port, FLOW_CAP);
    }
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&l->m->container, sizeof(l->m->container)) < 0) {
    if (should_warn(&warned)) logf_("udp: cannot open a flow to the container: %s", strerror(errno));
    if (fd >= 0) close(fd);
    return NULL;
  }
  struct flow *f = calloc(1, sizeof(*f));
  if (!f || loop_add(fd, EPOLLIN, &f->w) < 0) {
    if (should_warn(&warned)) logf_("udp: cannot register a flow: %s", f ? strerror(errno) : "out of memory");
    free(f);
    close(fd);
    return NULL;
  }
  f->w.on_event = on_flow;
  f->l = l;
  f->client = *client;
  f->fd = fd;
  unsigned b = bucket_of(l, client);
  f->next = buckets[b];
  buckets[b] = f;
  nflows++;
  return f;
}

static void on_listener(struct watcher *w, uint32_t events) {
  struct udp_listener *l = (struct udp_listener *)w;
  for (;;) {
    struct sockaddr_in from;
    struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
    union { char b[CMSG_SPACE(sizeof(struct in_pktinfo))]; struct cmsghdr align; } cbuf;
    struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b) };
    ssize_t n = recvmsg(l->m->listen_fd, &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (msg.msg_namelen < sizeof(from) || from.sin_family != AF_INET) continue;
    struct in_addr local = { 0 };
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
      if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
        struct in_pktinfo pi;
        memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
        local = pi.ipi_addr;
      }
    }
    struct flow *f = flow_find(l, &from);
    if (!f) f = flow_open(l, &from);
    if (!f) continue;
    f->local = local;
    f->last = loop_now_ms();
    /* ECONNREFUSED reports an earlier datagram's ICMP; this one is still worth sending. */
    if (send(f->fd, buf, (size_t)n, MSG_DONTWAIT) < 0 && errno == ECONNREFUSED) send(f->fd, buf, (size_t)n, MSG_DONTWAIT);
  }
}

/* Drops idle flows; returns nonzero while flows exist (the loop keeps ticking). */
static int udp_tick(uint64_t now) {
  if (nflows == 0) return 0;
  for (int b = 0; b < NBUCKETS; b++) {
    struct flow *f = buckets[b];
    while (f) {
      struct flow *next = f->next;
      if (now - f->last >= idle_ms) flow_remove(f);
      f = next;
    }
  }
  return nflows > 0;
}

int udp_serve(struct mapping *m) {
  struct udp_listener *l = calloc(1, sizeof(*l));
  if (!l) { errno = ENOMEM; return -1; }
  l->w.on_event = on_listener;
  l->m = m;
  loop_set_tick(udp_tick);
  return loop_add(m->listen_fd, EPOLLIN, &l->w);
}
