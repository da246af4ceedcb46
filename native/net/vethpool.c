/* The warm pool's operations (docs/networking.md, "Warm netns pool"): veth_prepare does the
 * container-independent part of veth_add in idle time (the pair, the peer already inside a
 * pooled netns under its final name, down, no address; the host end down and not yet a bridge
 * port, so an idle pool shows on no bridge); veth_take, on the start path, does the rest in one
 * request (host end enslaved, isolated as asked, up; inside: MAC, address, up, default route).
 * Failures leave nothing of a pair behind. */
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

/* The fields both ops start with (host_name, netns_path, ifname), checked; the rest of `v` zeroed. */
static int pair_fields(struct veth_req *v, char **f, const char *op, struct reply *rp) {
  memset(v, 0, sizeof(*v));
  v->host = f[0];
  v->netns = f[1];
  v->ifname = f[2];
  if (!ifname_valid(v->host)) return op_fail_text(rp, EINVAL, "%s %s: invalid host interface name", op, v->host);
  if (!ifname_valid(v->ifname)) return op_fail_text(rp, EINVAL, "%s %s: invalid container interface name %s", op, v->host, v->ifname);
  if (v->netns[0] != '/') return op_fail_text(rp, EINVAL, "%s %s: netns path must be absolute: %s", op, v->host, v->netns);
  return 0;
}

/* f: host_name, netns_path, ifname, mtu, route_mtu (may be empty). */
int op_veth_prepare(struct helper *h, char **f, struct reply *rp) {
  struct veth_req v;
  int bad = pair_fields(&v, f, "veth_prepare", rp);
  if (bad < 0) return bad;
  if (mtu_parse(f[3], &v.mtu) < 0) return op_fail_text(rp, EINVAL, "veth_prepare %s: invalid mtu %s", v.host, f[3]);
  if (f[4][0] && mtu_parse(f[4], &v.route_mtu) < 0) return op_fail_text(rp, EINVAL, "veth_prepare %s: invalid route mtu %s", v.host, f[4]);

  int nsfd = netns_open(v.netns);
  if (nsfd < 0) return op_fail(rp, -nsfd, NULL, "veth_prepare %s: open netns %s", v.host, v.netns);
  char extack[EXTACK_MAX] = "";
  deferred_wait_name(v.host);
  int r = veth_create_pair(h, &v, 0, nsfd, extack);
  close(nsfd);
  if (r < 0) return op_fail(rp, -r, extack, "veth_prepare %s: create veth (peer %s in %s)", v.host, v.ifname, v.netns);
  return 0;
}

/* f: host_name, netns_path, ifname, mac, bridge, isolated (0/1), cidr, gateway (may be empty),
 * route_mtu (may be empty). */
int op_veth_take(struct helper *h, char **f, struct reply *rp) {
  struct veth_req v;
  int bad = pair_fields(&v, f, "veth_take", rp);
  if (bad < 0) return bad;
  v.bridge = f[4];
  v.cidr = f[6];
  v.gateway = f[7];
  v.mac_inside = 1;
  if (!ifname_valid(v.bridge)) return op_fail_text(rp, EINVAL, "veth_take %s: invalid bridge name %s", v.host, v.bridge);
  if (mac_parse(f[3], v.mac) < 0) return op_fail_text(rp, EINVAL, "veth_take %s: invalid mac %s", v.host, f[3]);
  v.has_mac = 1;
  if (strcmp(f[5], "0") && strcmp(f[5], "1")) return op_fail_text(rp, EINVAL, "veth_take %s: isolated must be 0 or 1, not %s", v.host, f[5]);
  v.isolated = f[5][0] == '1';
  if (ip_parse_cidr(v.cidr, &v.addr) < 0) return op_fail_text(rp, EINVAL, "veth_take %s: invalid address %s (want a.b.c.d/len)", v.host, v.cidr);
  v.has_gw = v.gateway[0] != '\0';
  if (v.has_gw && (ip_parse_addr(v.gateway, &v.gw) < 0 || v.gw.family != v.addr.family))
    return op_fail_text(rp, EINVAL, "veth_take %s: invalid gateway %s for %s", v.host, v.gateway, v.cidr);
  if (f[8][0] && mtu_parse(f[8], &v.route_mtu) < 0) return op_fail_text(rp, EINVAL, "veth_take %s: invalid route mtu %s", v.host, f[8]);

  int bridge_index = (int)if_nametoindex(v.bridge);
  if (bridge_index == 0) return op_fail(rp, errno, NULL, "veth_take %s: bridge %s", v.host, v.bridge);
  int host_index = (int)if_nametoindex(v.host);
  if (host_index == 0) return op_fail(rp, errno, NULL, "veth_take %s: look up", v.host);
  char extack[EXTACK_MAX] = "";
  /* A port of the bridge from now on; isolated before up, so it never forwards to its siblings. */
  int r = link_set(&h->host, host_index, !v.isolated, 0, bridge_index, extack);
  if (r < 0) op_fail(rp, -r, extack, "veth_take %s: attach to bridge %s", v.host, v.bridge);
  else if (v.isolated && (r = link_set_isolated(&h->host, host_index, 1, extack)) < 0) op_fail(rp, -r, extack, "veth_take %s: set bridge port isolated", v.host);
  else if (v.isolated && (r = link_set(&h->host, host_index, 1, 0, 0, extack)) < 0) op_fail(rp, -r, extack, "veth_take %s: set up", v.host);
  if (r == 0) {
    int nsfd = netns_open(v.netns);
    if (nsfd < 0) {
      r = nsfd;
      op_fail(rp, -r, NULL, "veth_take %s: open netns %s", v.host, v.netns);
    } else {
      r = veth_configure_inside(h, &v, nsfd, rp);
      close(nsfd);
    }
  }
  if (r < 0) drop_pair(h, v.host, rp);
  return r;
}
