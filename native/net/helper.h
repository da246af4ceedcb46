/* Shared state of berth-netlink and the shape of its operations (one request → one reply). */
#ifndef BERTH_NET_HELPER_H
#define BERTH_NET_HELPER_H

#include "netlink.h"

struct nft_ctx;

struct helper {
  struct nl host;      /* rtnetlink socket in the helper's own (the host's) netns */
  int host_ns;         /* fd of that netns, kept for the helper's lifetime to setns back */
  struct nft_ctx *nft; /* libnftables context, made on the first nft request and reused */
};

/* The outcome of one request: err 0 = `ok` (with `out` as an extra field when set), else
 * `err\t<errno name>\t<msg>`. msg names the operation and its object. */
struct reply {
  int err;
  char msg[4096];
  const char *out;
};

/* Fills the reply with "<what>: <strerror(err)>[ (<extack>)]" and returns -err. `what` is a
 * printf format; it should start with the op and its object ("veth_add vb12: ..."). */
int op_fail(struct reply *rp, int err, const char *extack, const char *what, ...)
    __attribute__((format(printf, 4, 5)));
/* Same but the whole message is given (no strerror appended). */
int op_fail_text(struct reply *rp, int err, const char *what, ...) __attribute__((format(printf, 3, 4)));

/* Operations: f[] are the request's fields after the tag (their count is checked by main). */
int op_netns_create(struct helper *h, char **f, struct reply *rp);
int op_netns_delete(struct helper *h, char **f, struct reply *rp);
int op_bridge_ensure(struct helper *h, char **f, struct reply *rp);
int op_bridge_delete(struct helper *h, char **f, struct reply *rp);
int op_veth_add(struct helper *h, char **f, struct reply *rp);
int op_link_delete(struct helper *h, char **f, struct reply *rp);
int op_veth_prepare(struct helper *h, char **f, struct reply *rp);
int op_veth_take(struct helper *h, char **f, struct reply *rp);
int op_nft(struct helper *h, char **f, struct reply *rp);
int op_sysctl(struct helper *h, char **f, struct reply *rp);
int op_route_default(struct helper *h, char **f, struct reply *rp);

#endif
