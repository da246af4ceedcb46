/* Formatting of replies: the op_fail helpers and the escaped reply line (native/README.md's
 * line format: TAB-separated fields, `\\` `\n` `\t` escaped). */
#include "reply.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int op_fail(struct reply *rp, int err, const char *extack, const char *what, ...) {
  va_list ap;
  va_start(ap, what);
  int n = vsnprintf(rp->msg, sizeof(rp->msg), what, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof(rp->msg)) n = (int)sizeof(rp->msg) - 1;
  if (extack && *extack)
    snprintf(rp->msg + n, sizeof(rp->msg) - (size_t)n, ": %s (%s)", strerror(err), extack);
  else
    snprintf(rp->msg + n, sizeof(rp->msg) - (size_t)n, ": %s", strerror(err));
  rp->err = err;
  return -err;
}

int op_fail_text(struct reply *rp, int err, const char *what, ...) {
  va_list ap;
  va_start(ap, what);
  vsnprintf(rp->msg, sizeof(rp->msg), what, ap);
  va_end(ap);
  rp->err = err;
  return -err;
}

/* Appends the escaped field to buf (which has room for 2*strlen+1 more bytes). */
static char *escape_into(char *w, const char *s) {
  for (; *s; s++) {
    if (*s == '\\') { *w++ = '\\'; *w++ = '\\'; }
    else if (*s == '\n') { *w++ = '\\'; *w++ = 'n'; }
    else if (*s == '\t') { *w++ = '\\'; *w++ = 't'; }
    else *w++ = *s;
  }
  return w;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int reply_write(int fd, const struct reply *rp) {
  const char *fields[3];
  int nf = 0;
  char ename[32];
  if (rp->err == 0) {
    fields[nf++] = "ok";
    if (rp->out) fields[nf++] = rp->out;
  } else {
    const char *name = strerrorname_np(rp->err);
    if (!name) { snprintf(ename, sizeof(ename), "E%d", rp->err); name = ename; }
    fields[nf++] = "err";
    fields[nf++] = name;
    fields[nf++] = rp->msg;
  }
  size_t cap = 2;
  for (int i = 0; i < nf; i++) cap += 2 * strlen(fields[i]) + 1;
  char *line = malloc(cap);
  if (!line) return -1;
  char *w = line;
  for (int i = 0; i < nf; i++) {
    if (i) *w++ = '\t';
    w = escape_into(w, fields[i]);
  }
  *w++ = '\n';
  int r = write_all(fd, line, (size_t)(w - line));
  free(line);
  return r;
}
