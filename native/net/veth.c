/* veth_add: one veth pair per container endpoint. The peer is created directly inside the
 * container's netns under its final name (no rename, no move), the host end is enslaved to the
 * bridge in the same request; then the container side gets its address and default route
 * through a netlink socket opened inside the netns. Any failure after the pair exists deletes
 * it, so an error leaves nothing behind. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "deferred.h"
#include "helper.h"
#include "link.h"
#include "netns.h"
#include "veth.h"

/* linux/if_link.h before 6.3 lacks it; older kernels ignore the attribute (above their IFLA_MAX). */
#ifndef IFLA_GSO_IPV4_MAX_SIZE
#define IFLA_GSO_IPV4_MAX_SIZE 63
#endif

/* With a route mtu (jumbo links inside the host, docs/networking.md "MTU"), both ends let TCP
 * build IPv4 GSO packets up to 128 KiB (BIG TCP, kernel >= 6.3). At the kernel's 64 KiB
 * default, the limit minus TCP's header room is below one 65480-byte segment, so every packet
 * is a single segment; at 128 KiB a sender that writes enough puts two in a packet, and the
 * per-packet costs on the way (veth, bridge, the host's netfilter hooks when br_netfilter is
 * on) are paid less often. Not more: at 192 KiB and above, a sender writing 64 or 128 KiB at a
 * time fell to 0.5-0.8x of the default (bench/README-network.md), while 128 KiB was about
 * the default with 64 KiB writes and above it with 128 KiB and 1 MiB writes. */
#define BIG_GSO_MAX_SIZE 131072
/* A GSO packet larger than a device's limit is cut in software into MSS-sized segments. So that
 * packets following the default route (MSS = route mtu - 40) still reach the host's outside
 * device within its 64 KiB limit, the container end caps the segments per packet; 400 bytes
 * stay for headers. With route mtu 1500: 44 segments, what the 64 KiB size limit gave before. */
#define LEGACY_GSO_ROOM (65536 - 400)


static int parse(char **f, struct veth_req *v, struct reply *rp) {
  memset(v, 0, sizeof(*v));
  v->host = f[0];
  v->netns = f[1];
  v->ifname = f[2];
  v->bridge = f[5];
  v->cidr = f[6];
  v->gateway = f[7];
  if (!ifname_valid(v->host)) return op_fail_text(rp, EINVAL, "veth_add %s: invalid host interface name", v->host);
  if (!ifname_valid(v->ifname)) return op_fail_text(rp, EINVAL, "veth_add %s: invalid container interface name %s", v->host, v->ifname);
  if (!ifname_valid(v->bridge)) return op_fail_text(rp, EINVAL, "veth_add %s: invalid bridge name %s", v->host, v->bridge);
  if (v->netns[0] != '/') return op_fail_text(rp, EINVAL, "veth_add %s: netns path must be absolute: %s", v->host, v->netns);
  v->has_mac = f[3][0] != '\0';
  if (v->has_mac && mac_parse(f[3], v->mac) < 0) return op_fail_text(rp, EINVAL, "veth_add %s: invalid mac %s", v->host, f[3]);
  if (mtu_parse(f[4], &v->mtu) < 0) return op_fail_text(rp, EINVAL, "veth_add %s: invalid mtu %s", v->host, f[4]);
  if (ip_parse_cidr(v->cidr, &v->addr) < 0) return op_fail_text(rp, EINVAL, "veth_add %s: invalid address %s (want a.b.c.d/len)", v->host, v->cidr);
  v->has_gw = v->gateway[0] != '\0';
  if (v->has_gw && (ip_parse_addr(v->gateway, &v->gw) < 0 || v->gw.family != v->addr.family))
    return op_fail_text(rp, EINVAL, "veth_add %s: invalid gateway %s for %s", v->host, v->gateway, v->cidr);
  if (strcmp(f[8], "0") && strcmp(f[8], "1")) return op_fail_text(rp, EINVAL, "veth_add %s: isolated must be 0 or 1, not %s", v->host, f[8]);
  v->isolated = f[8][0] == '1';
  v->route_mtu = 0;
  if (f[9][0] && mtu_parse(f[9], &v->route_mtu) < 0) return op_fail_text(rp, EINVAL, "veth_add %s: invalid route mtu %s", v->host, f[9]);
  return 0;
}

/* RTM_NEWLINK kind veth: host end enslaved (and up unless it must be made isolated first), peer
 * named ifname inside the netns of nsfd, with mac and mtu; with a route mtu, the GSO limits
 * above on both ends. */
int veth_create_pair(struct helper *h, const struct veth_req *v, int bridge_index, int nsfd, char extack[EXTACK_MAX]) {
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  if (!v->isolated && bridge_index > 0) { ifi.ifi_flags = IFF_UP; ifi.ifi_change = IFF_UP; }
  struct nlreq req;
  nlreq_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
  nlreq_put_str(&req, IFLA_IFNAME, v->host);
  if (v->mtu > 0) nlreq_put_u32(&req, IFLA_MTU, (uint32_t)v->mtu);
  if (bridge_index > 0) nlreq_put_u32(&req, IFLA_MASTER, (uint32_t)bridge_index);
  if (v->route_mtu > 0) nlreq_put_u32(&req, IFLA_GSO_IPV4_MAX_SIZE, BIG_GSO_MAX_SIZE);
  struct rtattr *info = nlreq_nest_start(&req, IFLA_LINKINFO);
  nlreq_put_str(&req, IFLA_INFO_KIND, "veth");
  struct rtattr *data = nlreq_nest_start(&req, IFLA_INFO_DATA);
  /* The peer cannot be created up: veth_open() refuses (ENOTCONN) until the pair is linked,
   * which happens after both ends are registered. It is set up from inside the netns. */
  struct ifinfomsg peer = { .ifi_family = AF_UNSPEC };
  struct rtattr *pa = nlreq_nest_start(&req, VETH_INFO_PEER);
  /* Not flagged NLA_F_NESTED: its payload starts with an ifinfomsg, not attributes. */
  if (pa) pa->rta_type &= (unsigned short)~NLA_F_NESTED;
  /* VETH_INFO_PEER carries an ifinfomsg followed by the peer's own attributes. */
  nlreq_put_raw(&req, &peer, sizeof(peer));
  nlreq_put_str(&req, IFLA_IFNAME, v->ifname);
  if (v->has_mac && !v->mac_inside) nlreq_put(&req, IFLA_ADDRESS, v->mac, 6);
  if (v->mtu > 0) nlreq_put_u32(&req, IFLA_MTU, (uint32_t)v->mtu);
  if (v->route_mtu > 0) {
    nlreq_put_u32(&req, IFLA_GSO_IPV4_MAX_SIZE, BIG_GSO_MAX_SIZE);
    nlreq_put_u32(&req, IFLA_GSO_MAX_SEGS, (uint32_t)(LEGACY_GSO_ROOM / (v->route_mtu - 40)));
  }
  nlreq_put_u32(&req, IFLA_NET_NS_FD, (uint32_t)nsfd);
  nlreq_nest_end(&req, pa);
  nlreq_nest_end(&req, data);
  nlreq_nest_end(&req, info);
  return nl_talk(&h->host, &req, NULL, NULL, extack);
}

/* The container end up, with its MAC when it is given here (a pooled pair, veth_take). */
static int peer_up(struct nl *nl, int ifindex, const struct veth_req *v, char extack[EXTACK_MAX]) {
  if (!v->mac_inside) return link_set(nl, ifindex, 1, 0, 0, extack);
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
  struct nlreq req;
  nlreq_init(&req, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
  /* The kernel applies the address before the flags: the link comes up with its final MAC. */
  nlreq_put(&req, IFLA_ADDRESS, v->mac, 6);
  return nl_talk(nl, &req, NULL, NULL, extack);
}

int veth_configure_inside(struct helper *h, const struct veth_req *v, int nsfd, struct reply *rp) {
  const char *op = v->mac_inside ? "veth_take" : "veth_add";
  int r = netns_enter(nsfd);
  if (r < 0) return op_fail(rp, -r, NULL, "%s %s: enter netns %s", op, v->host, v->netns);
  char extack[EXTACK_MAX] = "";
  struct nl nl;
  r = nl_open(&nl);
  if (r < 0) {
    netns_return(h);
    return op_fail(rp, -r, NULL, "%s %s: netlink socket in %s", op, v->host, v->netns);
  }
  int ifindex = (int)if_nametoindex(v->ifname);
  if (ifindex == 0) {
    r = -errno;
    op_fail(rp, -r, NULL, "%s %s: find %s in %s", op, v->host, v->ifname, v->netns);
  } else if ((r = addr_add(&nl, ifindex, &v->addr, extack)) < 0) {
    op_fail(rp, -r, extack, "%s %s: address %s on %s", op, v->host, v->cidr, v->ifname);
  } else if ((r = peer_up(&nl, ifindex, v, extack)) < 0) {
    op_fail(rp, -r, extack, "%s %s: set %s up", op, v->host, v->ifname);
  } else if (v->has_gw && (r = route_add_default(&nl, ifindex, &v->gw, v->route_mtu, extack)) < 0) {
    op_fail(rp, -r, extack, "%s %s: default route via %s on %s", op, v->host, v->gateway, v->ifname);
  }
  nl_close(&nl);
  netns_return(h);
  return r;
}

int op_veth_add(struct helper *h, char **f, struct reply *rp) {
  struct veth_req v;
  if (parse(f, &v, rp) < 0) return -rp->err;

  int bridge_index = (int)if_nametoindex(v.bridge);
  if (bridge_index == 0) return op_fail(rp, errno, NULL, "veth_add %s: bridge %s", v.host, v.bridge);
  int nsfd = netns_open(v.netns);
  if (nsfd < 0) return op_fail(rp, -nsfd, NULL, "veth_add %s: open netns %s", v.host, v.netns);

  char extack[EXTACK_MAX];
  deferred_wait_name(v.host);
  int r = veth_create_pair(h, &v, bridge_index, nsfd, extack);
  if (r == -EEXIST && deferred_pending()) {
    /* The name inside the netns may belong to a peer whose deletion is still running. */
    deferred_wait_all();
    r = veth_create_pair(h, &v, bridge_index, nsfd, extack);
  }
  if (r < 0) {
    close(nsfd);
    return op_fail(rp, -r, extack, "veth_add %s: create veth (peer %s in %s)", v.host, v.ifname, v.netns);
  }
  if (v.isolated) {
    /* Isolated before up, so the port never forwards to its siblings. */
    r = link_set_isolated(&h->host, (int)if_nametoindex(v.host), 1, extack);
    if (r < 0) op_fail(rp, -r, extack, "veth_add %s: set bridge port isolated", v.host);
    else if ((r = link_set(&h->host, (int)if_nametoindex(v.host), 1, 0, 0, extack)) < 0)
      op_fail(rp, -r, extack, "veth_add %s: set up", v.host);
  }
  if (r == 0) r = veth_configure_inside(h, &v, nsfd, rp);
  close(nsfd);
  if (r < 0) {
    /* Deleting the host end removes the peer inside the netns too. */
    char ignored[EXTACK_MAX];
    int d = link_del(&h->host, v.host, ignored);
    if (d < 0 && d != -ENODEV) {
      size_t n = strlen(rp->msg);
      snprintf(rp->msg + n, sizeof(rp->msg) - n, " (cleanup: delete %s: %s)", v.host, strerror(-d));
    }
    return r;
  }
  return 0;
}
