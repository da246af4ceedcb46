/* Splits berth's line format: one record per line, TAB-separated fields, with \\ \n \t escapes. */
#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Unescapes s in place; returns -1 on a bad escape. */
static int unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r != '\\') { *w++ = *r; continue; }
    r++;
    switch (*r) {
    case '\\': *w++ = '\\'; break;
    case 'n': *w++ = '\n'; break;
    case 't': *w++ = '\t'; break;
    default: return -1;
    }
  }
  *w = '\0';
  return 0;
}

int lines_parse_buffer(char *buf, size_t len, struct lines *out, char *err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  out->buf = buf;
  size_t cap = 0;
  for (size_t i = 0; i < len; i++) if (buf[i] == '\n') cap++;
  cap++;
  out->items = calloc(cap, sizeof(struct line));
  if (!out->items) { snprintf(err, errlen, "out of memory"); errno = ENOMEM; return -1; }
  char *p = buf, *end = buf + len;
  int lineno = 0;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *eol = nl ? nl : end;
    *eol = '\0';
    lineno++;
    if (eol == p) { p = eol + 1; continue; } /* blank line */
    if (memchr(p, '\0', (size_t)(eol - p))) {
      snprintf(err, errlen, "line %d: NUL byte", lineno); errno = EINVAL; return -1;
    }
    int n = 1;
    for (char *q = p; q < eol; q++) if (*q == '\t') n++;
    if (n > LINES_MAX_FIELDS) { snprintf(err, errlen, "line %d: too many fields", lineno); errno = EINVAL; return -1; }
    struct line *l = &out->items[out->nlines++];
    l->lineno = lineno;
    l->nfields = n;
    l->fields = calloc((size_t)n + 1, sizeof(char *));
    if (!l->fields) { snprintf(err, errlen, "out of memory"); errno = ENOMEM; return -1; }
    int k = 0;
    char *f = p;
    for (char *q = p; ; q++) {
      if (q == eol || *q == '\t') {
        int last = (q == eol);
        *q = '\0';
        if (unescape(f) < 0) { snprintf(err, errlen, "line %d: bad escape in field %d", lineno, k + 1); errno = EINVAL; return -1; }
        l->fields[k++] = f;
        f = q + 1;
        if (last) break;
      }
    }
    p = eol + 1;
  }
  return 0;
}

int lines_read_file(const char *path, struct lines *out, char *err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { snprintf(err, errlen, "open %s: %s", path, strerror(errno)); return -1; }
  struct stat st;
  if (fstat(fd, &st) < 0) { int e = errno; close(fd); errno = e; snprintf(err, errlen, "stat %s: %s", path, strerror(e)); return -1; }
  size_t len = (size_t)st.st_size;
  char *buf = malloc(len + 1);
  if (!buf) { close(fd); errno = ENOMEM; snprintf(err, errlen, "out of memory"); return -1; }
  size_t got = 0;
  while (got < len) {
    ssize_t r = read(fd, buf + got, len - got);
    if (r < 0) { if (errno == EINTR) continue; int e = errno; free(buf); close(fd); errno = e; snprintf(err, errlen, "read %s: %s", path, strerror(e)); return -1; }
    if (r == 0) break;
    got += (size_t)r;
  }
  close(fd);
  buf[got] = '\0';
  if (lines_parse_buffer(buf, got, out, err, errlen) < 0) { int e = errno; lines_free(out); errno = e; return -1; }
  return 0;
}

void lines_free(struct lines *l) {
  if (l->items) {
    for (size_t i = 0; i < l->nlines; i++) free(l->items[i].fields);
    free(l->items);
  }
  free(l->buf);
  memset(l, 0, sizeof(*l));
}
