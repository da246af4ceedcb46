/* Reader for berth's line format (native/README.md): TAB-separated, escaped fields. */
#ifndef BERTH_LINES_H
#define BERTH_LINES_H

#include <stddef.h>

#define LINES_MAX_FIELDS 4096

struct line {
  int lineno;
  int nfields;
  char **fields; /* fields[0] is the tag; unescaped, NUL-terminated, point into the buffer */
};

struct lines {
  char *buf;          /* whole file, modified in place */
  size_t nlines;
  struct line *items;
};

/* Reads and splits a file. Returns 0, or -1 with errno set and a message in err (size errlen). */
int lines_read_file(const char *path, struct lines *out, char *err, size_t errlen);
/* Same, from a buffer the caller gives up (it is freed by lines_free). */
int lines_parse_buffer(char *buf, size_t len, struct lines *out, char *err, size_t errlen);
void lines_free(struct lines *l);

#endif
