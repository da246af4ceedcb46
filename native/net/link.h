/* Links over rtnetlink: lookup, create (bridge), set (up/mtu/master), bridge port flags, delete. */
#ifndef BERTH_NET_LINK_H
#define BERTH_NET_LINK_H

#include "netlink.h"

#define LINK_KIND_MAX 32

/* 1 when name is a usable interface name (1..15 bytes, no '/', ':' or whitespace, not . ..). */
int ifname_valid(const char *name);
/* Parses an MTU field: "0" = leave the kernel's default, else 68..65535. 0 or -EINVAL. */
int mtu_parse(const char *s, int *mtu);
/* Parses "aa:bb:cc:dd:ee:ff" into 6 bytes. 0 or -EINVAL. */
int mac_parse(const char *s, unsigned char mac[6]);

/* ifindex and kind ("bridge", "veth", "" for none) of the link called name; -ENODEV if none. */
int link_get(struct nl *nl, const char *name, int *ifindex, char kind[LINK_KIND_MAX], char extack[EXTACK_MAX]);
/* Sets the link up (when up), its MTU (when mtu > 0) and master (when master > 0). */
int link_set(struct nl *nl, int ifindex, int up, int mtu, int master, char extack[EXTACK_MAX]);
/* Creates a (down) bridge; -EEXIST when the name is taken. */
int link_create_bridge(struct nl *nl, const char *name, int mtu, char extack[EXTACK_MAX]);
/* Sets a bridge port's `isolated` flag (IFLA_BRPORT_ISOLATED through AF_BRIDGE protinfo). */
int link_set_isolated(struct nl *nl, int ifindex, int isolated, char extack[EXTACK_MAX]);
/* Deletes the link called name; -ENODEV when there is none. */
int link_del(struct nl *nl, const char *name, char extack[EXTACK_MAX]);

#endif
