/* Link requests (see link.h) and the bridge_ensure / bridge_delete / link_delete operations. */
#include "link.h"

#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "addr.h"
#include "deferred.h"
#include "helper.h"

int ifname_valid(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n >= IFNAMSIZ) return 0;
  if (!strcmp(name, ".") || !strcmp(name, "..")) return 0;
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == ':' || *p == ' ' || *p == '\t' || *p == '\n' || (unsigned char)*p < 0x20 || *p == 0x7f) return 0;
  return 1;
}

int mtu_parse(const char *s, int *mtu) {
  if (!*s || strlen(s) > 6) return -EINVAL;
  char *end;
  long v = strtol(s, &end, 10);
  if (*end || v < 0 || (v != 0 && (v < 68 || v > 65535))) return -EINVAL;
  *mtu = (int)v;
  return 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int mac_parse(const char *s, unsigned char mac[6]) {
  if (strlen(s) != 17) return -EINVAL;
  for (int i = 0; i < 6; i++) {
    int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':')) return -EINVAL;
    mac[i] = (unsigned char)(hi << 4 | lo);
  }
  /* A multicast address (low bit of the first byte) cannot be a station's address. */
  if (mac[0] & 1) return -EINVAL;
  return 0;
}

struct link_info {
  int ifindex;
  char *kind;
};

static void on_link(const struct nlmsghdr *h, void *arg) {
  struct link_info *li = arg;
  if (h->nlmsg_type != RTM_NEWLINK) return;
  const struct ifinfomsg *ifi = NLMSG_DATA(h);
  li->ifindex = ifi->ifi_index;
  const struct rtattr *attrs = (const struct rtattr *)((const char *)ifi + NLMSG_ALIGN(sizeof(*ifi)));
  size_t len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
  const struct rtattr *info = nl_attr_find(attrs, len, IFLA_LINKINFO);
  if (!info) return;
  const struct rtattr *kind = nl_attr_find(RTA_DATA(info), RTA_PAYLOAD(info), IFLA_INFO_KIND);
  if (!kind) return;
  size_t n = RTA_PAYLOAD(kind);
  if (n >= LINK_KIND_MAX) n = LINK_KIND_MAX - 1;
  memcpy(li->kind, RTA_DATA(kind), n);
  li->kind[n] = '\0';
}

int link_get(struct nl *nl, const char *name, int *ifindex, char kind[LINK_KIND_MAX], char extack[EXTACK_MAX]) {
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  struct nlreq req;
  nlreq_init(&req, RTM_GETLINK, 0, &ifi, sizeof(ifi));
  nlreq_put_str(&req, IFLA_IFNAME, name);
  nlreq_put_u32(&req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  kind[0] = '\0';
  struct link_info li = { .ifindex = 0, .kind = kind };
  int r = nl_talk(nl, &req, on_link, &li, extack);
  if (r < 0) return r;
  if (li.ifindex <= 0) return -ENODEV;
  *ifindex = li.ifindex;
  return 0;
}

int link_set(struct nl *nl, int ifindex, int up, int mtu, int master, char extack[EXTACK_MAX]) {
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
  if (up) { ifi.ifi_flags = IFF_UP; ifi.ifi_change = IFF_UP; }
  struct nlreq req;
  nlreq_init(&req, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
  if (mtu > 0) nlreq_put_u32(&req, IFLA_MTU, (uint32_t)mtu);
  if (master > 0) nlreq_put_u32(&req, IFLA_MASTER, (uint32_t)master);
  return nl_talk(nl, &req, NULL, NULL, extack);
}

/*
 * A random locally administered unicast MAC. A bridge created without one follows the lowest MAC
 * of its ports: a container attached or detached can change the gateway's MAC under the other
 * containers, whose ARP entries then point at an address nobody answers until they expire
 * (seconds of lost DNS and traffic to the gateway). Given at creation the address is "set"
 * (addr_assign_type 3) and the kernel keeps it, as Docker's libnetwork does for its bridges.
 */
static int random_mac(unsigned char mac[6]) {
  if (getrandom(mac, 6, 0) != 6) return -errno;
  mac[0] = (unsigned char)((mac[0] & 0xfe) | 0x02);
  return 0;
}

int link_create_bridge(struct nl *nl, const char *name, int mtu, char extack[EXTACK_MAX]) {
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  struct nlreq req;
  unsigned char mac[6];
  int r = random_mac(mac);
  if (r < 0) return r;
  nlreq_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
  nlreq_put_str(&req, IFLA_IFNAME, name);
  nlreq_put(&req, IFLA_ADDRESS, mac, 6);
  if (mtu > 0) nlreq_put_u32(&req, IFLA_MTU, (uint32_t)mtu);
  struct rtattr *info = nlreq_nest_start(&req, IFLA_LINKINFO);
  nlreq_put_str(&req, IFLA_INFO_KIND, "bridge");
  nlreq_nest_end(&req, info);
  return nl_talk(nl, &req, NULL, NULL, extack);
}

int link_set_isolated(struct nl *nl, int ifindex, int isolated, char extack[EXTACK_MAX]) {
  struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
  struct nlreq req;
  nlreq_init(&req, RTM_SETLINK, 0, &ifi, sizeof(ifi));
  struct rtattr *pi = nlreq_nest_start(&req, IFLA_PROTINFO);
  nlreq_put_u8(&req, IFLA_BRPORT_ISOLATED, isolated ? 1 : 0);
  nlreq_nest_end(&req, pi);
  return nl_talk(nl, &req, NULL, NULL, extack);
}

int link_del(struct nl *nl, const char *name, char extack[EXTACK_MAX]) {
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  struct nlreq req;
  nlreq_init(&req, RTM_DELLINK, 0, &ifi, sizeof(ifi));
  nlreq_put_str(&req, IFLA_IFNAME, name);
  return nl_talk(nl, &req, NULL, NULL, extack);
}

int op_bridge_ensure(struct helper *h, char **f, struct reply *rp) {
  const char *name = f[0], *cidr = f[1];
  struct ipaddr addr;
  int mtu;
  if (!ifname_valid(name)) return op_fail_text(rp, EINVAL, "bridge_ensure %s: invalid interface name", name);
  if (ip_parse_cidr(cidr, &addr) < 0) return op_fail_text(rp, EINVAL, "bridge_ensure %s: invalid address %s (want a.b.c.d/len)", name, cidr);
  if (mtu_parse(f[2], &mtu) < 0) return op_fail_text(rp, EINVAL, "bridge_ensure %s: invalid mtu %s", name, f[2]);

  deferred_wait_name(name);
  char extack[EXTACK_MAX], kind[LINK_KIND_MAX];
  int ifindex = 0, created = 0;
  int r = link_get(&h->host, name, &ifindex, kind, extack);
  if (r == -ENODEV) {
    r = link_create_bridge(&h->host, name, mtu, extack);
    if (r < 0 && r != -EEXIST) return op_fail(rp, -r, extack, "bridge_ensure %s: create", name);
    created = r == 0;
    r = link_get(&h->host, name, &ifindex, kind, extack);
  }
  if (r < 0) return op_fail(rp, -r, extack, "bridge_ensure %s: look up", name);
  if (strcmp(kind, "bridge") != 0)
    return op_fail_text(rp, EEXIST, "bridge_ensure %s: the name is taken by a %s link, not a bridge", name, *kind ? kind : "non-bridge");

  const char *step = "add address";
  r = addr_add(&h->host, ifindex, &addr, extack);
  if (r == -EEXIST) r = 0; /* already has it: idempotent */
  if (r == 0) {
    step = "set up";
    r = link_set(&h->host, ifindex, 1, mtu, 0, extack);
  }
  if (r < 0) {
    int e = -r;
    op_fail(rp, e, extack, "bridge_ensure %s: %s %s", name, step, cidr);
    /* Do not leave a half-made bridge behind; one that existed before is not ours to delete. */
    if (created) {
      char ignored[EXTACK_MAX];
      (void)link_del(&h->host, name, ignored);
    }
    return -e;
  }
  return 0;
}

int op_bridge_delete(struct helper *h, char **f, struct reply *rp) {
  const char *name = f[0];
  if (!ifname_valid(name)) return op_fail_text(rp, EINVAL, "bridge_delete %s: invalid interface name", name);
  deferred_wait_name(name);
  char extack[EXTACK_MAX], kind[LINK_KIND_MAX];
  int ifindex;
  int r = link_get(&h->host, name, &ifindex, kind, extack);
  if (r == -ENODEV) return 0;
  if (r < 0) return op_fail(rp, -r, extack, "bridge_delete %s: look up", name);
  if (strcmp(kind, "bridge") != 0)
    return op_fail_text(rp, EINVAL, "bridge_delete %s: is a %s link, not a bridge", name, *kind ? kind : "non-bridge");
  r = link_del(&h->host, name, extack);
  if (r < 0 && r != -ENODEV) return op_fail(rp, -r, extack, "bridge_delete %s", name);
  return 0;
}

/* Replies once the link is gone or its deletion has started in the background (deferred.h):
 * a later request naming it waits for the deletion to finish. */
int op_link_delete(struct helper *h, char **f, struct reply *rp) {
  const char *name = f[0];
  if (!ifname_valid(name)) return op_fail_text(rp, EINVAL, "link_delete %s: invalid interface name", name);
  deferred_wait_name(name);
  if (if_nametoindex(name) == 0) {
    if (errno == ENODEV) return 0;
    return op_fail(rp, errno, NULL, "link_delete %s: look up", name);
  }
  if (deferred_link_delete(name) == 0) return 0;
  char extack[EXTACK_MAX];
  int r = link_del(&h->host, name, extack);
  if (r < 0 && r != -ENODEV) return op_fail(rp, -r, extack, "link_delete %s", name);
  return 0;
}
