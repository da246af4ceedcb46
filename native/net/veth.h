/* veth pairs: veth_add (veth.c) and the pooled pairs of veth_prepare / veth_take (vethpool.c). */
#ifndef BERTH_NET_VETH_H
#define BERTH_NET_VETH_H

#include "addr.h"
#include "helper.h"

struct veth_req {
  const char *host, *netns, *ifname, *bridge, *cidr, *gateway;
  unsigned char mac[6];
  int has_mac, mtu, isolated;
  /* The MAC is set from inside the netns when the peer comes up (veth_take), not at creation. */
  int mac_inside;
  /* mtu metric of the default route; 0 = none. */
  int route_mtu;
  struct ipaddr addr, gw;
  int has_gw;
};

/* RTM_NEWLINK kind veth: the host end enslaved to bridge_index (up unless isolated; bridge_index
 * 0: neither enslaved nor up), the peer named v->ifname inside the netns of nsfd, down, with
 * mtu (and MAC unless mac_inside). */
int veth_create_pair(struct helper *h, const struct veth_req *v, int bridge_index, int nsfd, char extack[EXTACK_MAX]);
/* Inside the netns: address on ifname, up (with the MAC when mac_inside), default route when
 * has_gw. Always returns to the host netns; fills rp on failure. */
int veth_configure_inside(struct helper *h, const struct veth_req *v, int nsfd, struct reply *rp);

#endif
