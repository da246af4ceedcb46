/* Line reader on a file descriptor (see input.h). */
#include "input.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int input_line(struct input *in, int timeout_ms, char **line, size_t *len) {
  for (;;) {
    char *s = in->buf + in->start;
    size_t have = in->len - in->start;
    char *nl = have ? memchr(s, '\n', have) : NULL;
    if (nl) {
      *line = s;
      *len = (size_t)(nl - s);
      in->start += *len + 1;
      return INPUT_LINE;
    }
    if (in->eof) {
      if (have == 0) return INPUT_EOF;
      *line = s;
      *len = have;
      in->start = in->len;
      return INPUT_LINE;
    }
    /* Make room: move the partial line to the front, grow when full. */
    if (in->start) {
      memmove(in->buf, s, have);
      in->len = have;
      in->start = 0;
    }
    if (in->cap - in->len < 4096) {
      size_t cap = in->cap ? in->cap * 2 : 65536;
      char *b = realloc(in->buf, cap);
      if (!b) return INPUT_ERROR;
      in->buf = b;
      in->cap = cap;
    }
    struct pollfd p = { .fd = in->fd, .events = POLLIN };
    int r = poll(&p, 1, timeout_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      return INPUT_ERROR;
    }
    if (r == 0) return INPUT_TIMEOUT;
    ssize_t n = read(in->fd, in->buf + in->len, in->cap - in->len);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return INPUT_ERROR;
    }
    if (n == 0) in->eof = 1;
    in->len += (size_t)n;
  }
}

void input_free(struct input *in) {
  free(in->buf);
  memset(in, 0, sizeof(*in));
}
