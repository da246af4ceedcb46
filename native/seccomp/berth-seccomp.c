/* berth-seccomp IN OUT: compiles a flat seccomp profile (native/README.md) with libseccomp into
 * the raw BPF program berth-shim loads. IN may be "-" for stdin. OUT is replaced atomically
 * (temp file in the same directory, fsync, rename, fsync of the directory), so concurrent
 * compilers of the same profile and readers of OUT never see a torn program.
 * In front of libseccomp's program goes runc's ENOSYS prologue (enosys.c).
 * Errors: one line "berth-seccomp: <what>: <detail>" on stderr, exit status 1. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enosys.h"
#include "filter.h"
#include "lines.h"

/* The kernel refuses longer programs (BPF_MAXINSNS); say so here rather than at container start. */
#define MAX_INSNS 4096

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "berth-seccomp: %s: %s\n", what, detail);
  return 1;
}

static int read_stdin(struct lines *out, char *err, size_t errlen) {
  size_t cap = 65536, len = 0;
  char *buf = malloc(cap);
  if (!buf) { snprintf(err, errlen, "out of memory"); return -1; }
  for (;;) {
    if (len + 1 >= cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) { free(buf); snprintf(err, errlen, "out of memory"); return -1; }
      buf = nb;
    }
    ssize_t r = read(0, buf + len, cap - len - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) { snprintf(err, errlen, "read stdin: %s", strerror(errno)); free(buf); return -1; }
    if (r == 0) break;
    len += (size_t)r;
  }
  buf[len] = '\0';
  if (lines_parse_buffer(buf, len, out, err, errlen) < 0) { lines_free(out); return -1; }
  return 0;
}

/* libseccomp's program, read back from the file it was exported to. */
static int export_program(scmp_filter_ctx ctx, int fd, struct sock_filter **prog, size_t *n, char *err, size_t errlen) {
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) { snprintf(err, errlen, "seccomp_export_bpf: %s", strerror(-rc)); return -1; }
  struct stat st;
  if (fstat(fd, &st) < 0) { snprintf(err, errlen, "stat exported program: %s", strerror(errno)); return -1; }
  if (st.st_size == 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0) {
    snprintf(err, errlen, "libseccomp wrote %lld bytes, not a whole number of instructions", (long long)st.st_size); return -1;
  }
  *prog = malloc((size_t)st.st_size);
  if (!*prog) { snprintf(err, errlen, "out of memory"); return -1; }
  if (pread(fd, *prog, (size_t)st.st_size, 0) != st.st_size) { snprintf(err, errlen, "read back exported program failed"); return -1; }
  *n = (size_t)st.st_size / sizeof(struct sock_filter);
  return 0;
}

static int write_all(int fd, const void *buf, size_t len, off_t off) {
  const char *p = buf;
  while (len > 0) {
    ssize_t w = pwrite(fd, p, len, off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w; len -= (size_t)w; off += w;
  }
  return 0;
}

/* Writes prologue + libseccomp's program to a temp file next to out and renames it into place. */
static int export_atomic(scmp_filter_ctx ctx, const struct sock_filter *stub, size_t nstub, const char *out, char *err, size_t errlen) {
  char *d = strdup(out), *b = strdup(out);
  char tmp[4096], dirpath[4096];
  struct sock_filter *prog = NULL;
  size_t nprog = 0;
  int fd = -1, rc = -1;
  if (!d || !b) { snprintf(err, errlen, "out of memory"); goto done; }
  snprintf(dirpath, sizeof dirpath, "%s", dirname(d));
  if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dirpath, basename(b)) >= sizeof tmp) {
    snprintf(err, errlen, "%s: path too long", out); goto done;
  }
  fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0) { snprintf(err, errlen, "create temp file in %s: %s", dirpath, strerror(errno)); goto done; }
  if (export_program(ctx, fd, &prog, &nprog, err, errlen) < 0) goto unlink_tmp;
  if (nstub + nprog > MAX_INSNS) {
    snprintf(err, errlen, "program has %zu instructions, the kernel allows %d", nstub + nprog, MAX_INSNS); goto unlink_tmp;
  }
  if (nstub > 0) {
    off_t at = (off_t)(nstub * sizeof *stub);
    if (write_all(fd, stub, nstub * sizeof *stub, 0) < 0 || write_all(fd, prog, nprog * sizeof *prog, at) < 0) {
      snprintf(err, errlen, "write %s: %s", tmp, strerror(errno)); goto unlink_tmp;
    }
  }
  if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) { snprintf(err, errlen, "write %s: %s", tmp, strerror(errno)); goto unlink_tmp; }
  if (close(fd) < 0) { fd = -1; snprintf(err, errlen, "close %s: %s", tmp, strerror(errno)); goto unlink_tmp; }
  fd = -1;
  if (rename(tmp, out) < 0) { snprintf(err, errlen, "rename to %s: %s", out, strerror(errno)); goto unlink_tmp; }
  int dfd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || fsync(dfd) < 0) {
    snprintf(err, errlen, "fsync %s: %s", dirpath, strerror(errno));
    if (dfd >= 0) close(dfd);
    goto done;
  }
  close(dfd);
  rc = 0;
  goto done;
unlink_tmp:
  unlink(tmp);
done:
  if (fd >= 0) close(fd);
  free(prog);
  free(d);
  free(b);
  return rc;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    const struct scmp_version *v = seccomp_version();
    printf("berth-seccomp 1 libseccomp %u.%u.%u\n", v->major, v->minor, v->micro);
    return 0;
  }
  if (argc != 3) return fail("usage", "berth-seccomp IN|- OUT");
  char err[16384] = ""; /* room for two full paths and a reason */
  struct lines profile;
  int r = strcmp(argv[1], "-") == 0 ? read_stdin(&profile, err, sizeof err) : lines_read_file(argv[1], &profile, err, sizeof err);
  if (r < 0) return fail("read profile", err);
  uint32_t def_action;
  scmp_filter_ctx ctx = filter_build(&profile, &def_action, err, sizeof err);
  if (!ctx) { lines_free(&profile); return fail("profile", err); }
  struct sock_filter stub[ENOSYS_STUB_MAX];
  size_t nstub;
  r = enosys_stub(&profile, def_action, stub, &nstub, err, sizeof err);
  lines_free(&profile);
  if (r < 0) { seccomp_release(ctx); return fail("profile", err); }
  r = export_atomic(ctx, stub, nstub, argv[2], err, sizeof err);
  seccomp_release(ctx);
  if (r < 0) return fail("write program", err);
  return 0;
}
