/* Addresses and routes over rtnetlink, IPv4 and IPv6. */
#ifndef BERTH_NET_ADDR_H
#define BERTH_NET_ADDR_H

#include "netlink.h"

struct ipaddr {
  int family; /* AF_INET or AF_INET6 */
  unsigned char bytes[16];
  int prefix; /* only for CIDRs */
};

/* "10.1.0.2/24" or "fd00::2/64". 0 or -EINVAL. */
int ip_parse_cidr(const char *s, struct ipaddr *out);
/* "10.1.0.1" or "fd00::1". 0 or -EINVAL. */
int ip_parse_addr(const char *s, struct ipaddr *out);
/* Adds the address to ifindex (RTM_NEWADDR, exclusive: -EEXIST when it is there already). */
int addr_add(struct nl *nl, int ifindex, const struct ipaddr *a, char extack[EXTACK_MAX]);
/* Adds the default route of gw's family via gw out of ifindex (main table), with an mtu metric
 * when mtu > 0 (the link MTU is larger than the MTU outside the host, docs/networking.md). */
int route_add_default(struct nl *nl, int ifindex, const struct ipaddr *gw, int mtu, char extack[EXTACK_MAX]);
/* Makes the default route of gw's family go via gw out of ifindex: replaces the one there is,
 * or adds it when there is none. */
int route_replace_default(struct nl *nl, int ifindex, const struct ipaddr *gw, int mtu, char extack[EXTACK_MAX]);

#endif
