/* berth-proxy [--ready-fd N] [--max-conns N] [--udp-idle-ms MS] MAPPING...
 * Binds every mapping, reports the bound ports (or the first error) on the ready fd, then
 * forwards until SIGTERM. Protocol: native/README.md, "berth-proxy". */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ready_fd = -1;

/* Appends s to out with the line format's escapes (\\ \n \t). */
static size_t put_field(char *out, size_t pos, size_t cap, const char *s) {
  for (; *s && pos + 2 < cap; s++) {
    if (*s == '\\' || *s == '\n' || *s == '\t') {
      out[pos++] = '\\';
      out[pos++] = *s == '\\' ? '\\' : *s == '\n' ? 'n' : 't';
    } else {
      out[pos++] = *s;
    }
  }
  return pos;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* "error\t<mapping>\t<ERRNO>\t<message>\n" on the ready fd (stderr without one), exit 1. */
static void fail(const char *mapping, int err, const char *msg) {
  char line[1024];
  size_t pos = 0;
  memcpy(line, "error\t", 6);
  pos = put_field(line, 6, sizeof(line) - 8, mapping);
  line[pos++] = '\t';
  pos = put_field(line, pos, sizeof(line) - 8, errno_name(err));
  line[pos++] = '\t';
  pos = put_field(line, pos, sizeof(line) - 2, msg);
  line[pos++] = '\n';
  if (ready_fd < 0 || write_all(ready_fd, line, pos) < 0) write_all(2, line, pos);
  exit(1);
}

static void usage(const char *why) {
  fprintf(stderr, "berth-proxy: %s\nusage: berth-proxy [--ready-fd N] [--max-conns N] [--udp-idle-ms MS] proto:host_ip:host_port:container_ip:container_port...\n", why);
  if (ready_fd >= 0) fail("", EINVAL, why);
  exit(2);
}

/* Nothing of the caller lives on in a long-running proxy but the ready fd (and stdio). */
static void close_inherited(void) {
  if (ready_fd > 3) close_range(3, (unsigned)ready_fd - 1, 0);
  close_range(ready_fd >= 3 ? (unsigned)ready_fd + 1 : 3, ~0u, 0);
}

int main(int argc, char **argv) {
  /* The proxy outlives the session and the daemon that started it (setsid by the caller). */
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  if (chdir("/") < 0) { /* keeps no mount busy; failure is harmless */ }

  int first = 1;
  while (first + 1 < argc && strncmp(argv[first], "--", 2) == 0) {
    char *end;
    long v = strtol(argv[first + 1], &end, 10);
    int bad = *argv[first + 1] == '\0' || *end != '\0' || v < 0;
    if (strcmp(argv[first], "--ready-fd") == 0) {
      if (bad || v > 65535 || fcntl((int)v, F_GETFD) < 0) usage("--ready-fd: not an open file descriptor");
      ready_fd = (int)v;
      fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
    } else if (strcmp(argv[first], "--max-conns") == 0) {
      if (bad || v == 0 || v > 1000000) usage("--max-conns: want a count, 1 to 1000000");
      tcp_set_max_conns((int)v);
    } else if (strcmp(argv[first], "--udp-idle-ms") == 0) {
      if (bad || v == 0 || v > 86400000) usage("--udp-idle-ms: want milliseconds, 1 to 86400000");
      udp_set_idle_ms((unsigned)v);
    } else {
      usage("unknown option");
    }
    first += 2;
  }
  close_inherited();
  int n = argc - first;
  if (n <= 0) usage("no mapping given");

  struct mapping *ms = calloc((size_t)n, sizeof(*ms));
  if (!ms) fail("", ENOMEM, "out of memory");
  struct proxy_error e;
  for (int i = 0; i < n; i++)
    if (mapping_parse(argv[first + i], &ms[i], &e) < 0) fail(argv[first + i], e.err, e.msg);

  tcp_set_limits();
  int bad = listen_all(ms, n, &e);
  if (bad >= 0) fail(ms[bad].text, e.err, e.msg);

  if (loop_init() < 0) fail("", errno, "epoll/signalfd setup failed");
  for (int i = 0; i < n; i++) {
    int r = ms[i].proto == PROTO_TCP ? tcp_serve(&ms[i]) : udp_serve(&ms[i]);
    if (r < 0) {
      int err = errno;
      for (int j = 0; j < n; j++) close(ms[j].listen_fd);
      fail(ms[i].text, err, "cannot watch the listener");
    }
  }

  /* The report: one line per mapping in argument order, then "ready". */
  char report[256];
  for (int i = 0; i < n; i++) {
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &ms[i].host_ip, ip, sizeof(ip));
    int len = snprintf(report, sizeof(report), "bound\t%s\t%s\t%u\n", ms[i].proto == PROTO_TCP ? "tcp" : "udp", ip, ms[i].bound_port);
    /* A caller that is gone cannot learn our ports: leaving would leak published ports. */
    if (ready_fd >= 0 && write_all(ready_fd, report, (size_t)len) < 0) return 1;
    if (ready_fd < 0) write_all(1, report, (size_t)len);
  }
  if (ready_fd >= 0) {
    if (write_all(ready_fd, "ready\n", 6) < 0) return 1;
    close(ready_fd);
    ready_fd = -1;
  } else {
    write_all(1, "ready\n", 6);
  }
  return loop_run() == 0 ? 0 : 1;
}
