/* veth_prepare / veth_take: veth pairs made ahead of their container (the daemon's warm pool,
 * docs/networking.md "warm netns pool"). veth_prepare does the container-independent part of
 * veth_add in idle time: the pair, the peer already inside a pooled netns under its final
 * name (down, no address), the host end a port of the bridge. veth_take, on the start path,
 * does what depends on the container in one request: the peer's MAC, address, up, default
 * route. Both leave nothing of the pair behind when they fail. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "deferred.h"
#include "helper.h"
#include "link.h"
#include "netns.h"
#include "veth.h"

/* Deletes the host end (and so the peer) after a failure; notes a failed cleanup in rp. */
static void drop_pair(struct helper *h, const char *host, struct reply *rp) {
  char ignored[EXTACK_MAX];
  int d = link_del(&h->host, host, ignored);
  if (d < 0 && d != -ENODEV) {
    size_t n = strlen(rp->msg);
    snprintf(rp->msg + n, sizeof(rp->msg) - n, " (cleanup: delete %s: %s)", host, strerror(-d));
  }
}

/* f: host_name, netns_path, ifname, mtu, bridge, isolated, route_mtu (may be empty). */
int op_veth_prepare(struct helper *h, char **f, struct reply *rp) {
  struct veth_req v;
  memset(&v, 0, sizeof(v));
  v.host = f[0];
  v.netns = f[1];
  v.ifname = f[2];
  v.bridge = f[4];
  if (!ifname_valid(v.host)) return op_fail_text(rp, EINVAL, "veth_prepare %s: invalid host interface name", v.host);
  if (!ifname_valid(v.ifname)) return op_fail_text(rp, EINVAL, "veth_prepare %s: invalid container interface name %s", v.host, v.ifname);
  if (!ifname_valid(v.bridge)) return op_fail_text(rp, EINVAL, "veth_prepare %s: invalid bridge name %s", v.host, v.bridge);
  if (v.netns[0] != '/') return op_fail_text(rp, EINVAL, "veth_prepare %s: netns path must be absolute: %s", v.host, v.netns);
  if (mtu_parse(f[3], &v.mtu) < 0) return op_fail_text(rp, EINVAL, "veth_prepare %s: invalid mtu %s", v.host, f[3]);
  if (strcmp(f[5], "0") && strcmp(f[5], "1")) return op_fail_text(rp, EINVAL, "veth_prepare %s: isolated must be 0 or 1, not %s", v.host, f[5]);
  v.isolated = f[5][0] == '1';
  if (f[6][0] && mtu_parse(f[6], &v.route_mtu) < 0) return op_fail_text(rp, EINVAL, "veth_prepare %s: invalid route mtu %s", v.host, f[6]);

  int bridge_index = (int)if_nametoindex(v.bridge);
  if (bridge_index == 0) return op_fail(rp, errno, NULL, "veth_prepare %s: bridge %s", v.host, v.bridge);
  int nsfd = netns_open(v.netns);
  if (nsfd < 0) return op_fail(rp, -nsfd, NULL, "veth_prepare %s: open netns %s", v.host, v.netns);
  char extack[EXTACK_MAX] = "";
  deferred_wait_name(v.host);
  int r = veth_create_pair(h, &v, bridge_index, nsfd, extack);
  close(nsfd);
  if (r < 0) return op_fail(rp, -r, extack, "veth_prepare %s: create veth (peer %s in %s)", v.host, v.ifname, v.netns);
  if (v.isolated) {
    /* Isolated before up, so the port never forwards to its siblings. */
    int idx = (int)if_nametoindex(v.host);
    r = link_set_isolated(&h->host, idx, 1, extack);
    if (r < 0) op_fail(rp, -r, extack, "veth_prepare %s: set bridge port isolated", v.host);
    else if ((r = link_set(&h->host, idx, 1, 0, 0, extack)) < 0) op_fail(rp, -r, extack, "veth_prepare %s: set up", v.host);
    if (r < 0) {
      drop_pair(h, v.host, rp);
      return r;
    }
  }
  return 0;
}

/* 1 when the link `host` is a port of the bridge called `bridge`, 0 when it is not (any more),
 * -errno when it cannot be told (-ENODEV: no such link). sysfs's master link says it without
 * a netlink dump of the whole link, on the start path. */
static int port_of(const char *host, const char *bridge) {
  char path[64], target[256];
  snprintf(path, sizeof(path), "/sys/class/net/%s/master", host);
  ssize_t n = readlink(path, target, sizeof(target) - 1);
  if (n < 0) {
    if (errno != ENOENT) return -errno;
    /* No master: a port no more, or no link at all. */
    return if_nametoindex(host) == 0 ? -ENODEV : 0;
  }
  target[n] = '\0';
  const char *base = strrchr(target, '/');
  return strcmp(base ? base + 1 : target, bridge) == 0;
}

/* f: host_name, netns_path, ifname, mac, bridge, cidr, gateway (may be empty), route_mtu (may be
 * empty). ESTALE when the host end is no longer a port of that bridge (recreated meanwhile). */
int op_veth_take(struct helper *h, char **f, struct reply *rp) {
  struct veth_req v;
  memset(&v, 0, sizeof(v));
  v.host = f[0];
  v.netns = f[1];
  v.ifname = f[2];
  v.bridge = f[4];
  v.cidr = f[5];
  v.gateway = f[6];
  v.mac_inside = 1;
  if (!ifname_valid(v.host)) return op_fail_text(rp, EINVAL, "veth_take %s: invalid host interface name", v.host);
  if (!ifname_valid(v.ifname)) return op_fail_text(rp, EINVAL, "veth_take %s: invalid container interface name %s", v.host, v.ifname);
  if (!ifname_valid(v.bridge)) return op_fail_text(rp, EINVAL, "veth_take %s: invalid bridge name %s", v.host, v.bridge);
  if (v.netns[0] != '/') return op_fail_text(rp, EINVAL, "veth_take %s: netns path must be absolute: %s", v.host, v.netns);
  if (mac_parse(f[3], v.mac) < 0) return op_fail_text(rp, EINVAL, "veth_take %s: invalid mac %s", v.host, f[3]);
  v.has_mac = 1;
  if (ip_parse_cidr(v.cidr, &v.addr) < 0) return op_fail_text(rp, EINVAL, "veth_take %s: invalid address %s (want a.b.c.d/len)", v.host, v.cidr);
  v.has_gw = v.gateway[0] != '\0';
  if (v.has_gw && (ip_parse_addr(v.gateway, &v.gw) < 0 || v.gw.family != v.addr.family))
    return op_fail_text(rp, EINVAL, "veth_take %s: invalid gateway %s for %s", v.host, v.gateway, v.cidr);
  if (f[7][0] && mtu_parse(f[7], &v.route_mtu) < 0) return op_fail_text(rp, EINVAL, "veth_take %s: invalid route mtu %s", v.host, f[7]);

  int master = port_of(v.host, v.bridge);
  if (master < 0) return op_fail(rp, -master, NULL, "veth_take %s: look up", v.host);
  if (master == 0) {
    op_fail_text(rp, ESTALE, "veth_take %s: not a port of bridge %s any more", v.host, v.bridge);
    drop_pair(h, v.host, rp);
    return -ESTALE;
  }
  int nsfd = netns_open(v.netns);
  if (nsfd < 0) {
    op_fail(rp, -nsfd, NULL, "veth_take %s: open netns %s", v.host, v.netns);
    drop_pair(h, v.host, rp);
    return -rp->err;
  }
  int r = veth_configure_inside(h, &v, nsfd, rp);
  close(nsfd);
  if (r < 0) drop_pair(h, v.host, rp);
  return r;
}
