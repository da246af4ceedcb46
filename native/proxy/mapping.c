/* Parses one MAPPING argument: proto:host_ip:host_port:container_ip:container_port.
 * Fields are taken from both ends so that an IPv6 host address (which contains colons) is
 * recognised and refused with a clear message instead of a confusing syntax error. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(struct proxy_error *e, int err, const char *fmt, const char *arg) {
  e->err = err;
  snprintf(e->msg, sizeof(e->msg), fmt, arg);
  return -1;
}

/* Decimal port 0..65535, no sign, no junk. */
static int parse_port(const char *s, size_t len, uint16_t *out) {
  if (len == 0 || len > 5) return -1;
  unsigned v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  if (v > 65535) return -1;
  *out = (uint16_t)v;
  return 0;
}

int mapping_parse(const char *text, struct mapping *m, struct proxy_error *e) {
  memset(m, 0, sizeof(*m));
  m->text = text;
  m->listen_fd = -1;
  char buf[256];
  if (strlen(text) >= sizeof(buf)) return fail(e, EINVAL, "mapping too long: %.64s...", text);
  strcpy(buf, text);

  char *first = strchr(buf, ':');
  if (!first) return fail(e, EINVAL, "invalid mapping %s: want proto:host_ip:host_port:container_ip:container_port", text);
  *first = '\0';
  if (strcmp(buf, "tcp") == 0) m->proto = PROTO_TCP;
  else if (strcmp(buf, "udp") == 0) m->proto = PROTO_UDP;
  else return fail(e, EINVAL, "invalid protocol %.32s (want tcp or udp)", buf);

  /* From the right: container_port, container_ip, host_port; what remains is host_ip. */
  char *rest = first + 1;
  char *f[3];
  for (int i = 0; i < 3; i++) {
    char *c = strrchr(rest, ':');
    if (!c) return fail(e, EINVAL, "invalid mapping %s: want proto:host_ip:host_port:container_ip:container_port", text);
    *c = '\0';
    f[i] = c + 1;
  }
  char *cport = f[0], *cip = f[1], *hport = f[2], *hip = rest;

  if (strchr(hip, ':') || hip[0] == '[') return fail(e, EAFNOSUPPORT, "IPv6 host addresses are not supported yet (%s)", hip);
  if (inet_pton(AF_INET, hip, &m->host_ip) != 1) return fail(e, EINVAL, "invalid host address %s", hip);
  if (inet_pton(AF_INET, cip, &m->container.sin_addr) != 1) return fail(e, EINVAL, "invalid container address %s (IPv4 only)", cip);
  uint16_t cp;
  if (parse_port(cport, strlen(cport), &cp) < 0 || cp == 0) return fail(e, EINVAL, "invalid container port %s", cport);
  m->container.sin_family = AF_INET;
  m->container.sin_port = htons(cp);

  char *dash = strchr(hport, '-');
  if (dash) {
    if (parse_port(hport, (size_t)(dash - hport), &m->port_lo) < 0 || parse_port(dash + 1, strlen(dash + 1), &m->port_hi) < 0 ||
        m->port_lo == 0 || m->port_hi < m->port_lo)
      return fail(e, EINVAL, "invalid host port range %s", hport);
  } else {
    if (parse_port(hport, strlen(hport), &m->port_lo) < 0) return fail(e, EINVAL, "invalid host port %s", hport);
    m->port_hi = m->port_lo;
  }
  return 0;
}
