/* CRI-format container log with size-based rotation (native/README.md, "Log format"). */
#ifndef BERTH_SHIM_LOG_H
#define BERTH_SHIM_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct cri_log {
  int fd;
  const char *path;
  uint64_t size, max_size;
  unsigned max_files;
};

/* Opens (appends to) path. max_size 0 = never rotate. */
int log_open(struct cri_log *lg, const char *path, uint64_t max_size, unsigned max_files, struct shim_err *e);
/* Writes one chunk of output: every complete line is an `F` record, a trailing piece without
 * newline a `P` record (so a line longer than one read is split into P records). */
void log_write(struct cri_log *lg, const char *stream, const char *data, size_t len);
void log_close(struct cri_log *lg);

#endif
