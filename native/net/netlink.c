/* Raw rtnetlink requests and acks (see netlink.h). */
#include "netlink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int nl_open(struct nl *nl) {
  nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl->fd < 0) return -errno;
  int one = 1;
  /* Capped acks (the echoed request is not sent back) and the kernel's error text, which names
   * what it disliked far better than an errno does ("Invalid prefix for given prefix length"). */
  (void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  (void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    int e = errno;
    close(nl->fd);
    nl->fd = -1;
    return -e;
  }
  nl->seq = 0;
  return 0;
}

void nl_close(struct nl *nl) {
  if (nl->fd >= 0) close(nl->fd);
  nl->fd = -1;
}

void nlreq_init(struct nlreq *r, uint16_t type, uint16_t flags, const void *hdr, size_t hdrlen) {
  memset(&r->u.h, 0, NLMSG_SPACE(hdrlen));
  r->overflow = 0;
  r->u.h.nlmsg_len = NLMSG_LENGTH(hdrlen);
  r->u.h.nlmsg_type = type;
  r->u.h.nlmsg_flags = flags | NLM_F_REQUEST | NLM_F_ACK;
  if (hdrlen) memcpy(NLMSG_DATA(&r->u.h), hdr, hdrlen);
}

void *nlreq_payload(struct nlreq *r) { return NLMSG_DATA(&r->u.h); }

void nlreq_put(struct nlreq *r, uint16_t type, const void *data, size_t len) {
  size_t at = NLMSG_ALIGN(r->u.h.nlmsg_len);
  if (r->overflow || at + RTA_SPACE(len) > sizeof(r->u.buf)) { r->overflow = 1; return; }
  struct rtattr *a = (struct rtattr *)(r->u.buf + at);
  a->rta_type = type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  if (len) memcpy(RTA_DATA(a), data, len);
  memset((char *)RTA_DATA(a) + len, 0, RTA_SPACE(len) - RTA_LENGTH(len));
  r->u.h.nlmsg_len = (uint32_t)(at + RTA_SPACE(len));
}

void nlreq_put_raw(struct nlreq *r, const void *data, size_t len) {
  size_t at = NLMSG_ALIGN(r->u.h.nlmsg_len);
  if (r->overflow || at + NLMSG_ALIGN(len) > sizeof(r->u.buf)) { r->overflow = 1; return; }
  memcpy(r->u.buf + at, data, len);
  memset(r->u.buf + at + len, 0, NLMSG_ALIGN(len) - len);
  r->u.h.nlmsg_len = (uint32_t)(at + NLMSG_ALIGN(len));
}

void nlreq_put_u8(struct nlreq *r, uint16_t type, uint8_t v) { nlreq_put(r, type, &v, 1); }
void nlreq_put_u32(struct nlreq *r, uint16_t type, uint32_t v) { nlreq_put(r, type, &v, 4); }
void nlreq_put_str(struct nlreq *r, uint16_t type, const char *s) { nlreq_put(r, type, s, strlen(s) + 1); }

struct rtattr *nlreq_nest_start(struct nlreq *r, uint16_t type) {
  size_t at = NLMSG_ALIGN(r->u.h.nlmsg_len);
  nlreq_put(r, type | NLA_F_NESTED, NULL, 0);
  if (r->overflow) return NULL;
  return (struct rtattr *)(r->u.buf + at);
}

void nlreq_nest_end(struct nlreq *r, struct rtattr *nest) {
  if (r->overflow || !nest) return;
  nest->rta_len = (unsigned short)(r->u.buf + r->u.h.nlmsg_len - (char *)nest);
}

const struct rtattr *nl_attr_find(const struct rtattr *attrs, size_t len, uint16_t type) {
  unsigned int left = (unsigned int)len;
  for (const struct rtattr *a = attrs; RTA_OK(a, left); a = RTA_NEXT(a, left))
    if ((a->rta_type & NLA_TYPE_MASK) == type) return a;
  return NULL;
}

/* The kernel's NLMSGERR_ATTR_MSG, if the ack carries one. */
static void copy_extack(const struct nlmsghdr *h, char extack[EXTACK_MAX]) {
  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return;
  const struct nlmsgerr *err = NLMSG_DATA(h);
  size_t off = sizeof(*err);
  if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
  size_t total = h->nlmsg_len - NLMSG_HDRLEN;
  if (off >= total) return;
  const struct rtattr *a = nl_attr_find((const struct rtattr *)((const char *)err + NLMSG_ALIGN(off)), total - NLMSG_ALIGN(off), NLMSGERR_ATTR_MSG);
  if (!a) return;
  size_t n = RTA_PAYLOAD(a);
  if (n >= EXTACK_MAX) n = EXTACK_MAX - 1;
  memcpy(extack, RTA_DATA(a), n);
  extack[n] = '\0';
  /* The kernel's text may carry its own trailing NUL inside the payload. */
  extack[strnlen(extack, n)] = '\0';
}

int nl_talk(struct nl *nl, struct nlreq *r, nl_reply_fn fn, void *arg, char extack[EXTACK_MAX]) {
  extack[0] = '\0';
  if (r->overflow) return -EMSGSIZE;
  uint32_t seq = ++nl->seq;
  r->u.h.nlmsg_seq = seq;
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  ssize_t s;
  do s = sendto(nl->fd, r->u.buf, r->u.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
  while (s < 0 && errno == EINTR);
  if (s < 0) return -errno;
  /* Aligned for nlmsghdr; large enough for a full link description (RTM_GETLINK). */
  static union { struct nlmsghdr h; char b[32768]; } rbuf;
  for (;;) {
    ssize_t n = recv(nl->fd, rbuf.b, sizeof(rbuf.b), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return -EPIPE;
    size_t left = (size_t)n;
    for (struct nlmsghdr *h = &rbuf.h; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != seq) continue; /* a late answer to an earlier, abandoned request */
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *err = NLMSG_DATA(h);
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*err))) return -EBADMSG;
        if (err->error) copy_extack(h, extack);
        return err->error; /* 0 (the ack) or -errno */
      }
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (fn) fn(h, arg);
    }
  }
}
