/* berth-netlink: berth's resident helper for kernel network changes (docs/networking.md,
 * native/README.md "berth-netlink"). Reads one request line from stdin, performs it, writes one
 * reply line to stdout, strictly in order; exits 0 at EOF. Single-threaded on purpose: setns()
 * then moves the whole process, and every operation that enters a netns leaves it before its
 * reply is written. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deferred.h"
#include "helper.h"
#include "input.h"
#include "lines.h"
#include "reply.h"

struct op {
  const char *name;
  int nfields;
  /* Trailing fields a newer client may add (absent: "" for the op). */
  int optional;
  int (*fn)(struct helper *h, char **f, struct reply *rp);
};

static const struct op ops[] = {
  { "netns_create", 1, 0, op_netns_create },
  { "netns_delete", 1, 0, op_netns_delete },
  { "bridge_ensure", 3, 0, op_bridge_ensure },
  { "bridge_delete", 1, 0, op_bridge_delete },
  { "veth_add", 9, 1, op_veth_add },
  { "link_delete", 1, 0, op_link_delete },
  { "veth_prepare", 5, 0, op_veth_prepare },
  { "veth_take", 9, 0, op_veth_take },
  { "nft", 1, 0, op_nft },
  { "sysctl", 2, 0, op_sysctl },
  { "route_default", 3, 1, op_route_default },
};

static void handle(struct helper *h, char *line, size_t len, struct reply *rp) {
  char *buf = malloc(len + 1);
  if (!buf) { op_fail_text(rp, ENOMEM, "request: out of memory"); return; }
  memcpy(buf, line, len);
  buf[len] = '\0';
  struct lines ls;
  char perr[256];
  if (lines_parse_buffer(buf, len, &ls, perr, sizeof(perr)) < 0) {
    op_fail_text(rp, EINVAL, "request: %s", perr);
  } else if (ls.nlines != 1) {
    op_fail_text(rp, EINVAL, "request: empty line");
  } else {
    const struct line *l = &ls.items[0];
    const struct op *op = NULL;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
      if (!strcmp(ops[i].name, l->fields[0])) op = &ops[i];
    if (!op) op_fail_text(rp, EINVAL, "request: unknown operation %s", l->fields[0]);
    else if (l->nfields - 1 < op->nfields || l->nfields - 1 > op->nfields + op->optional)
      op_fail_text(rp, EINVAL, "%s: expected %d fields, got %d", op->name, op->nfields, l->nfields - 1);
    else {
      /* Missing optional fields read as "": every op sees nfields + optional fields. */
      char *fields[16];
      int n = l->nfields - 1, i;
      for (i = 0; i < n && i < 16; i++) fields[i] = l->fields[1 + i];
      for (; i < op->nfields + op->optional && i < 16; i++) fields[i] = (char *)"";
      op->fn(h, fields, rp);
    }
  }
  lines_free(&ls);
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "--version")) {
    printf("berth-netlink 1\n");
    return 0;
  }
  if (argc != 1) {
    fprintf(stderr, "usage: berth-netlink (requests on stdin, replies on stdout)\n");
    return 2;
  }
  /* A client that went away must not kill us mid-operation (a netns switch half done). */
  signal(SIGPIPE, SIG_IGN);
  struct helper h = { .host_ns = -1, .nft = NULL };
  h.host_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (h.host_ns < 0) {
    fprintf(stderr, "berth-netlink: open own netns: %s\n", strerror(errno));
    return 1;
  }
  int r = nl_open(&h.host);
  if (r < 0) {
    fprintf(stderr, "berth-netlink: netlink socket: %s\n", strerror(-r));
    return 1;
  }
  struct input in = { .fd = STDIN_FILENO };
  static struct reply rp;
  for (;;) {
    char *line;
    size_t len;
    /* While deletions run in the background, wake up now and then to collect them. */
    int got = input_line(&in, deferred_pending() ? 20 : -1, &line, &len);
    deferred_reap();
    if (got == INPUT_TIMEOUT) continue;
    if (got != INPUT_LINE) break; /* EOF (the daemon closed us) or a broken stdin */
    rp.err = 0;
    rp.msg[0] = '\0';
    rp.out = NULL;
    handle(&h, line, len, &rp);
    if (reply_write(STDOUT_FILENO, &rp) < 0) break; /* the client is gone */
  }
  /* Finish what was started: nothing is left half-deleted when we exit. */
  deferred_wait_all();
  input_free(&in);
  return 0;
}
