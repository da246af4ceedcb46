/* Small helpers shared by the shim: error records, full reads/writes, files, numbers. */
#ifndef BERTH_SHIM_UTIL_H
#define BERTH_SHIM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* An error as reported on --sync-fd and the control socket: stage, errno, message. */
struct shim_err {
  char stage[32];
  int err;
  char msg[480];
};

/* Fills e (stage, errno value, printf message) and returns -1 so callers can `return fail(...)`. */
int fail(struct shim_err *e, const char *stage, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Formats e as the wire line `error\t<stage>\t<errno>\t<message>\n` (tabs/newlines in the
 * message become spaces). Returns the length. */
size_t err_format(const struct shim_err *e, char *buf, size_t len);
/* Parses a wire error line (without the leading "error\t") back into e. */
void err_parse(const char *line, struct shim_err *e);

/* write(2) until everything is written (EINTR-safe). Returns 0 or -1 with errno. */
int write_all(int fd, const void *buf, size_t len);
/* Like write_all, but waits (poll, up to timeout_ms per stall) when fd is non-blocking. */
int write_all_wait(int fd, const void *buf, size_t len, int timeout_ms);
/* read(2) once, retrying on EINTR. */
ssize_t read_retry(int fd, void *buf, size_t len);
/* Writes a string to an existing file (O_WRONLY, no create). Returns 0 or -1 with errno. */
int write_file(const char *path, const char *text);
/* Writes content to dir/name atomically: name.tmp, then rename (no fsync: volatile state). */
int write_file_atomic(int dirfd, const char *name, const char *text, size_t len);
int set_nonblock(int fd, int on);
/* Closes every fd >= 3 that is not in keep[0..n) (negative entries are ignored). */
void close_others(const int *keep, int n);
/* Strict decimal/hex parsing of a whole string. Return 0 or -1. */
int parse_u64(const char *s, int base, uint64_t *out);
int parse_i64(const char *s, int64_t *out);
/* CLOCK_REALTIME in nanoseconds. */
uint64_t now_ns(void);

/* Timing marks for measuring the launch (bench/README.md): compiled in only with
 * -DBERTH_SHIM_TIMING; each mark appends "<pid> <monotonic ns> <label>" to the file named by
 * $BERTH_SHIM_TIMING. Normal builds contain nothing of it. */
#ifdef BERTH_SHIM_TIMING
void timing_mark(const char *label);
#define TMARK(label) timing_mark(label)
#else
#define TMARK(label) ((void)0)
#endif

#endif
