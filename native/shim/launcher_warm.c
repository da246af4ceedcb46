/* The first write to any cgroup.procs after a quiet spell waits for an RCU grace period:
 * cgroup_threadgroup_rwsem is a per-CPU rwsem whose writer side (every migration) must first
 * switch readers to the slow path, and that switch lasts one grace period after the last
 * writer leaves (rcu_sync; 7-15 ms measured on the development VM, where `docker run --rm`
 * creates a container every ~60 ms and so paid it every time). Mounting the hierarchies with
 * `favordynmods` keeps the switch on for good, but that is the host's choice. Instead, for
 * WARM_WINDOW_MS after each spawn, a helper thread writes the launcher's own pid to its own
 * cgroup.procs every WARM_INTERVAL_MS (shorter than a grace period): a migration to where it
 * already is, which the kernel does not carry out, but which keeps the writer side switched, so
 * the shim's own cgroup.procs writes do not wait. Outside the window nothing is written. On any
 * error the helper stops for good (the spawns just wait as before). The launcher never moves:
 * the pid goes to the cgroup it is in, in the same hierarchy, and before each write
 * /proc/self/cgroup is compared with what it was at the start (had someone moved the launcher,
 * the write would move it back: the helper stops instead). */
#include "launcher_warm.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define WARM_WINDOW_MS 2000
#define WARM_INTERVAL_MS 4

static int procs_fd = -1;
static char *cgroup_at_start; /* /proc/self/cgroup when procs_fd was chosen */
static int kick_fd = -1;
static _Atomic uint64_t until_ns;
static atomic_bool stopped;

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reads a small proc file whole (NUL-terminated). Returns a malloc'd buffer or NULL. */
static char *slurp(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 16384, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) break;
    if (len + 1 >= cap) {
      char *n = realloc(buf, cap *= 2);
      if (!n) { free(buf); buf = NULL; break; }
      buf = n;
    }
    ssize_t r = read(fd, buf + len, cap - len - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
  }
  close(fd);
  if (buf) buf[len] = 0;
  return buf;
}

/* Does the comma list `opts` contain every entry of the comma list `want`? */
static int has_all(const char *opts, const char *want) {
  char w[256];
  snprintf(w, sizeof(w), "%s", want);
  for (char *save = NULL, *t = strtok_r(w, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    size_t n = strlen(t);
    const char *p = opts;
    int found = 0;
    while ((p = strstr(p, t))) {
      if ((p == opts || p[-1] == ',') && (p[n] == ',' || p[n] == 0)) { found = 1; break; }
      p += n;
    }
    if (!found) return 0;
  }
  return 1;
}

/* Mount point of the hierarchy mounted from its root ("/") with fstype and, for cgroup v1,
 * super options holding every controller of `ctrls`. Copies it into out; 0 or -1. */
static int hierarchy_mount(const char *mountinfo, const char *fstype, const char *ctrls, char *out, size_t outlen) {
  const char *line = mountinfo;
  while (line && *line) {
    const char *end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line) : strlen(line);
    char l[4096];
    if (n < sizeof(l)) {
      memcpy(l, line, n);
      l[n] = 0;
      char *sep = strstr(l, " - ");
      if (sep) {
        *sep = 0;
        char fs[64] = "", src[256] = "", sopts[1024] = "", root[1024] = "", mp[1024] = "";
        if (sscanf(sep + 3, "%63s %255s %1023s", fs, src, sopts) >= 2 && sscanf(l, "%*s %*s %*s %1023s %1023s", root, mp) == 2 &&
            !strcmp(fs, fstype) && !strcmp(root, "/") && !strchr(mp, '\\') && (ctrls[0] == 0 || has_all(sopts, ctrls))) {
          snprintf(out, outlen, "%s", mp);
          return 0;
        }
      }
    }
    line = end ? end + 1 : NULL;
  }
  return -1;
}

/* Our own cgroup.procs: a v1 hierarchy if there is one (the shims write to those), else v2. */
static int own_procs_path(char *out, size_t outlen) {
  char *cg = slurp("/proc/self/cgroup"), *mi = slurp("/proc/self/mountinfo");
  int rc = -1;
  for (int pass = 0; pass < 2 && rc < 0 && cg && mi; pass++) {
    char *save = NULL;
    char *copy = strdup(cg);
    for (char *ln = copy ? strtok_r(copy, "\n", &save) : NULL; ln && rc < 0; ln = strtok_r(NULL, "\n", &save)) {
      char *c1 = strchr(ln, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
      if (!c2) continue;
      *c1 = *c2 = 0;
      const char *ctrls = c1 + 1, *path = c2 + 1;
      int v2 = ctrls[0] == 0;
      if (v2 != (pass == 1)) continue;
      char mp[1024];
      if (hierarchy_mount(mi, v2 ? "cgroup2" : "cgroup", ctrls, mp, sizeof(mp)) < 0) continue;
      if ((size_t)snprintf(out, outlen, "%s%s/cgroup.procs", mp, strcmp(path, "/") ? path : "") < outlen) rc = 0;
    }
    free(copy);
  }
  free(cg);
  free(mi);
  return rc;
}

static void *warm_loop(void *arg) {
  (void)arg;
  char pid[24];
  int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
  for (;;) {
    uint64_t v;
    if (read(kick_fd, &v, sizeof(v)) < 0 && errno != EINTR) break;
    while (mono_ns() < atomic_load(&until_ns)) {
      char *now = slurp("/proc/self/cgroup");
      int same = now && !strcmp(now, cgroup_at_start);
      free(now);
      if (!same || pwrite(procs_fd, pid, (size_t)n, 0) != n) goto out;
      struct timespec ts = {0, WARM_INTERVAL_MS * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
out:
  atomic_store(&stopped, 1);
  return NULL;
}

int warm_start(void) {
  char path[2048];
  cgroup_at_start = slurp("/proc/self/cgroup");
  if (!cgroup_at_start || own_procs_path(path, sizeof(path)) < 0) return -1;
  procs_fd = open(path, O_WRONLY | O_CLOEXEC);
  if (procs_fd < 0) return -1;
  kick_fd = eventfd(0, EFD_CLOEXEC);
  if (kick_fd < 0) goto fail;
  /* The thread takes no signals: SIGCHLD stays blocked for the launcher's signalfd. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  int err = pthread_create(&t, &attr, warm_loop, NULL);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err == 0) return 0;
fail:
  if (kick_fd >= 0) close(kick_fd);
  close(procs_fd);
  procs_fd = kick_fd = -1;
  return -1;
}

void warm_kick(void) {
  if (kick_fd < 0 || atomic_load(&stopped)) return;
  atomic_store(&until_ns, mono_ns() + WARM_WINDOW_MS * 1000000ull);
  uint64_t one = 1;
  if (write(kick_fd, &one, sizeof(one)) < 0) { /* the counter is full: the thread is awake anyway */ }
}
