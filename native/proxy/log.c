/* Diagnostics on stderr (the caller may send it to /dev/null; nothing depends on it). */
#include "proxy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void logf_(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  fprintf(stderr, "berth-proxy: %s\n", line);
}

const char *errno_name(int err) {
  static char num[16];
  const char *n = strerrorname_np(err);
  if (n) return n;
  snprintf(num, sizeof(num), "%d", err);
  return num;
}
