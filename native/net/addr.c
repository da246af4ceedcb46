/* Addresses and routes (see addr.h). */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <stdlib.h>
#include <string.h>

int ip_parse_addr(const char *s, struct ipaddr *out) {
  memset(out, 0, sizeof(*out));
  if (inet_pton(AF_INET, s, out->bytes) == 1) { out->family = AF_INET; return 0; }
  if (inet_pton(AF_INET6, s, out->bytes) == 1) { out->family = AF_INET6; return 0; }
  return -EINVAL;
}

int ip_parse_cidr(const char *s, struct ipaddr *out) {
  const char *slash = strchr(s, '/');
  if (!slash || slash == s || slash - s >= 64) return -EINVAL;
  char host[64];
  memcpy(host, s, (size_t)(slash - s));
  host[slash - s] = '\0';
  if (ip_parse_addr(host, out) < 0) return -EINVAL;
  const char *p = slash + 1;
  if (*p < '0' || *p > '9' || strlen(p) > 3) return -EINVAL;
  char *end;
  long n = strtol(p, &end, 10);
  if (*end || n > (out->family == AF_INET ? 32 : 128)) return -EINVAL;
  out->prefix = (int)n;
  return 0;
}

static size_t addr_len(int family) { return family == AF_INET ? 4 : 16; }

int addr_add(struct nl *nl, int ifindex, const struct ipaddr *a, char extack[EXTACK_MAX]) {
  struct ifaddrmsg ifa = {
    .ifa_family = (unsigned char)a->family,
    .ifa_prefixlen = (unsigned char)a->prefix,
    .ifa_scope = RT_SCOPE_UNIVERSE,
    .ifa_index = (unsigned)ifindex,
  };
  struct nlreq req;
  nlreq_init(&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
  size_t len = addr_len(a->family);
  nlreq_put(&req, IFA_LOCAL, a->bytes, len);
  nlreq_put(&req, IFA_ADDRESS, a->bytes, len);
  if (a->family == AF_INET && a->prefix < 31) {
    /* The subnet's broadcast address, as `ip addr add ... brd +` and Docker set it. */
    uint32_t host = ntohl(*(const uint32_t *)a->bytes);
    uint32_t mask = a->prefix == 0 ? 0 : 0xffffffffu << (32 - a->prefix);
    uint32_t brd = htonl(host | ~mask);
    nlreq_put(&req, IFA_BROADCAST, &brd, 4);
  }
  if (a->family == AF_INET6) {
    /* The address is ours by allocation: skip duplicate address detection, which would keep
     * it "tentative" (unusable) for a second or more. */
    nlreq_put_u32(&req, IFA_FLAGS, IFA_F_NODAD);
  }
  return nl_talk(nl, &req, NULL, NULL, extack);
}

/* RTM_NEWROUTE for the default route of gw's family via gw out of ifindex, with `flags`; with
 * an `mtu` metric (RTAX_MTU) when mtu > 0, as `ip route ... mtu N` sets it. */
static int route_default(struct nl *nl, int ifindex, const struct ipaddr *gw, int mtu, uint16_t flags, char extack[EXTACK_MAX]) {
  struct rtmsg rtm = {
    .rtm_family = (unsigned char)gw->family,
    .rtm_dst_len = 0,
    .rtm_table = RT_TABLE_MAIN,
    .rtm_protocol = RTPROT_BOOT,
    .rtm_scope = RT_SCOPE_UNIVERSE,
    .rtm_type = RTN_UNICAST,
  };
  struct nlreq req;
  nlreq_init(&req, RTM_NEWROUTE, flags, &rtm, sizeof(rtm));
  nlreq_put(&req, RTA_GATEWAY, gw->bytes, addr_len(gw->family));
  nlreq_put_u32(&req, RTA_OIF, (uint32_t)ifindex);
  if (mtu > 0) {
    struct rtattr *mx = nlreq_nest_start(&req, RTA_METRICS);
    /* Plain type as iproute2 sends it: RTA_METRICS predates NLA_F_NESTED. */
    if (mx) mx->rta_type &= (unsigned short)~NLA_F_NESTED;
    nlreq_put_u32(&req, RTAX_MTU, (uint32_t)mtu);
    nlreq_nest_end(&req, mx);
  }
  return nl_talk(nl, &req, NULL, NULL, extack);
}

int route_add_default(struct nl *nl, int ifindex, const struct ipaddr *gw, int mtu, char extack[EXTACK_MAX]) {
  return route_default(nl, ifindex, gw, mtu, NLM_F_CREATE | NLM_F_EXCL, extack);
}

int route_replace_default(struct nl *nl, int ifindex, const struct ipaddr *gw, int mtu, char extack[EXTACK_MAX]) {
  /* The kernel matches the route to replace by table, destination, tos and metric: whatever
   * default route there is (another gateway, another interface) is replaced in place. */
  return route_default(nl, ifindex, gw, mtu, NLM_F_CREATE | NLM_F_REPLACE, extack);
}
