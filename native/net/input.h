/* Request lines from stdin, with a timeout so the main loop can collect finished background
 * deletions while idle (stdio's getline cannot be polled: it buffers). */
#ifndef BERTH_NET_INPUT_H
#define BERTH_NET_INPUT_H

#include <stddef.h>

enum { INPUT_EOF = 0, INPUT_LINE = 1, INPUT_TIMEOUT = 2, INPUT_ERROR = -1 };

struct input {
  int fd;
  int eof;
  char *buf;
  size_t start, len, cap;
};

/* Next line without its newline in *line (valid until the next call). timeout_ms < 0 waits
 * forever. Returns INPUT_LINE, INPUT_TIMEOUT, INPUT_EOF, or INPUT_ERROR (errno). A last line
 * without a newline is returned before INPUT_EOF. */
int input_line(struct input *in, int timeout_ms, char **line, size_t *len);
void input_free(struct input *in);

#endif
