/* Raw rtnetlink: one NETLINK_ROUTE socket per network namespace, requests built in a fixed
 * buffer, every request sent with NLM_F_ACK and its ack turned into an errno. No libmnl: the
 * handful of messages berth needs do not justify a dependency. */
#ifndef BERTH_NET_NETLINK_H
#define BERTH_NET_NETLINK_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

#define NLREQ_SIZE 4096
#define EXTACK_MAX 256

struct nl {
  int fd;
  uint32_t seq;
};

/* A request under construction. Overflowing the buffer is remembered and reported by nl_talk
 * as EMSGSIZE, so builders need not check every put. */
struct nlreq {
  union {
    struct nlmsghdr h;
    char buf[NLREQ_SIZE];
  } u;
  int overflow;
};

/* Opens a socket in the calling thread's current network namespace. 0 or -errno. */
int nl_open(struct nl *nl);
void nl_close(struct nl *nl);

/* Starts a message of `type` with `flags` (NLM_F_REQUEST|NLM_F_ACK are added) and the family
 * header `hdr` of `hdrlen` bytes. */
void nlreq_init(struct nlreq *r, uint16_t type, uint16_t flags, const void *hdr, size_t hdrlen);
void nlreq_put(struct nlreq *r, uint16_t type, const void *data, size_t len);
/* Appends raw bytes (aligned), e.g. the ifinfomsg that opens VETH_INFO_PEER. */
void nlreq_put_raw(struct nlreq *r, const void *data, size_t len);
void nlreq_put_u8(struct nlreq *r, uint16_t type, uint8_t v);
void nlreq_put_u32(struct nlreq *r, uint16_t type, uint32_t v);
void nlreq_put_str(struct nlreq *r, uint16_t type, const char *s);
/* Nested attribute: start returns the header to pass to end (NULL after an overflow). */
struct rtattr *nlreq_nest_start(struct nlreq *r, uint16_t type);
void nlreq_nest_end(struct nlreq *r, struct rtattr *nest);
/* The family header right after the netlink header (e.g. to fill ifinfomsg in place). */
void *nlreq_payload(struct nlreq *r);

/* Called for every non-ack reply to the request (e.g. the RTM_NEWLINK answering RTM_GETLINK). */
typedef void (*nl_reply_fn)(const struct nlmsghdr *h, void *arg);

/* Sends the request and reads until its ack. Returns 0 or -errno; the kernel's extended-ack
 * text, when it gave one, is copied to extack (always NUL-terminated, "" otherwise). */
int nl_talk(struct nl *nl, struct nlreq *r, nl_reply_fn fn, void *arg, char extack[EXTACK_MAX]);

/* Walks the attributes of a reply: returns the first one of `type` in [attrs, attrs+len). */
const struct rtattr *nl_attr_find(const struct rtattr *attrs, size_t len, uint16_t type);

#endif
