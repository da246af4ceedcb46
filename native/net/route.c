/* route_default: moves a container's default route to another of its interfaces (the network
 * that carried it was disconnected, docs/networking.md). Done from inside the netns through a
 * netlink socket opened there, like veth_add's inside configuration. */
#include <errno.h>
#include <net/if.h>
#include <unistd.h>

#include "addr.h"
#include "helper.h"
#include "link.h"
#include "netns.h"

int op_route_default(struct helper *h, char **f, struct reply *rp) {
  const char *path = f[0], *ifname = f[1], *gateway = f[2];
  struct ipaddr gw;
  int mtu = 0;
  if (path[0] != '/') return op_fail_text(rp, EINVAL, "route_default %s: netns path must be absolute", path);
  if (!ifname_valid(ifname)) return op_fail_text(rp, EINVAL, "route_default %s: invalid interface name %s", path, ifname);
  if (ip_parse_addr(gateway, &gw) < 0) return op_fail_text(rp, EINVAL, "route_default %s: invalid gateway %s", path, gateway);
  /* f[3], optional: the route's mtu metric ("" or absent: none). */
  if (f[3][0] && mtu_parse(f[3], &mtu) < 0) return op_fail_text(rp, EINVAL, "route_default %s: invalid route mtu %s", path, f[3]);
  int nsfd = netns_open(path);
  if (nsfd < 0) return op_fail(rp, -nsfd, NULL, "route_default %s: open netns", path);
  int r = netns_enter(nsfd);
  close(nsfd);
  if (r < 0) return op_fail(rp, -r, NULL, "route_default %s: enter netns", path);
  struct nl nl;
  r = nl_open(&nl);
  if (r < 0) {
    netns_return(h);
    return op_fail(rp, -r, NULL, "route_default %s: netlink socket", path);
  }
  char extack[EXTACK_MAX] = "";
  int ifindex = (int)if_nametoindex(ifname);
  if (ifindex == 0) {
    r = -errno;
    op_fail(rp, -r, NULL, "route_default %s: find %s", path, ifname);
  } else if ((r = route_replace_default(&nl, ifindex, &gw, mtu, extack)) < 0) {
    op_fail(rp, -r, extack, "route_default %s: default route via %s on %s", path, gateway, ifname);
  }
  nl_close(&nl);
  netns_return(h);
  return r;
}
