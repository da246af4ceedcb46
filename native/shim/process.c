/* The process part of the plan, applied in the container child (create) or exec child. */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "resolve.h"

int proc_rlimits(const struct plan *p, struct shim_err *e) {
  for (size_t i = 0; i < p->n_rlimits; i++) {
    const struct plan_rlimit *r = &p->rlimits[i];
    struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
    if (setrlimit((__rlimit_resource_t)r->resource, &rl) < 0) {
      int err = errno;
      return fail(e, "rlimit", err, "setrlimit resource %d soft %lld hard %lld: %s%s", r->resource,
                  r->soft == RLIM_INFINITY ? -1LL : (long long)r->soft, r->hard == RLIM_INFINITY ? -1LL : (long long)r->hard,
                  strerror(err), err == EPERM ? " (raising a hard limit needs CAP_SYS_RESOURCE)" : "");
    }
  }
  return 0;
}

int proc_hostname(const struct plan *p, struct shim_err *e) {
  if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
    return fail(e, "hostname", errno, "sethostname %s: %s", p->hostname, strerror(errno));
  if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
    return fail(e, "hostname", errno, "setdomainname %s: %s", p->domainname, strerror(errno));
  return 0;
}

int proc_no_new_privs(const struct plan *p, struct shim_err *e) {
  if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return fail(e, "no_new_privs", errno, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
  return 0;
}

int proc_seccomp_read(struct plan *p, struct shim_err *e) {
  if (!p->seccomp) return 0;
  int fd = open(p->seccomp, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(e, "seccomp", errno, "open seccomp program %s: %s", p->seccomp, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0) { int err = errno; close(fd); return fail(e, "seccomp", err, "stat %s: %s", p->seccomp, strerror(err)); }
  size_t len = (size_t)st.st_size;
  if (len == 0 || len % sizeof(struct sock_filter) || len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
    close(fd);
    return fail(e, "seccomp", EINVAL, "seccomp program %s: size %zu is not a BPF program", p->seccomp, len);
  }
  struct sock_filter *insns = malloc(len);
  if (!insns) { close(fd); return fail(e, "seccomp", ENOMEM, "out of memory"); }
  size_t got = 0;
  while (got < len) {
    ssize_t r = read_retry(fd, (char *)insns + got, len - got);
    if (r <= 0) {
      int err = r < 0 ? errno : EIO;
      free(insns); close(fd);
      return fail(e, "seccomp", err, "read %s: %s", p->seccomp, strerror(err));
    }
    got += (size_t)r;
  }
  close(fd);
  free(p->seccomp_prog);
  p->seccomp_prog = insns;
  p->seccomp_len = len / sizeof(struct sock_filter);
  return 0;
}

int proc_seccomp(const struct plan *p, struct shim_err *e) {
  if (!p->seccomp_prog) return 0;
  struct sock_fprog prog = {.len = (unsigned short)p->seccomp_len, .filter = p->seccomp_prog};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->seccomp_flags, &prog) < 0) {
    int err = errno;
    return fail(e, "seccomp", err, "load seccomp program %s: %s%s", p->seccomp, strerror(err),
                err == EACCES ? " (needs no_new_privs or CAP_SYS_ADMIN)" : "");
  }
  return 0;
}

int proc_make_cwd(const struct plan *p, struct shim_err *e) {
  if (!p->cwd) return 0;
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return fail(e, "cwd", errno, "open /: %s", strerror(errno));
  int fd = resolve_mkpath(root, p->cwd, 0);
  int err = errno;
  close(root);
  if (fd < 0) return fail(e, "cwd", err, "create cwd %s: %s", p->cwd, strerror(err));
  close(fd);
  return 0;
}

static int set_caps(const struct plan *p, struct shim_err *e) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof(d));
  for (int i = 0; i < 2; i++) {
    d[i].effective = (uint32_t)(p->caps[CAP_EFFECTIVE] >> (32 * i));
    d[i].permitted = (uint32_t)(p->caps[CAP_PERMITTED] >> (32 * i));
    d[i].inheritable = (uint32_t)(p->caps[CAP_INHERITABLE] >> (32 * i));
  }
  if (syscall(SYS_capset, &hdr, d) < 0) return fail(e, "caps", errno, "capset: %s", strerror(errno));
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return fail(e, "caps", errno, "clear ambient capabilities: %s", strerror(errno));
  for (int c = 0; c < 64; c++) {
    if (!(p->caps[CAP_AMBIENT] & (1ull << c))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return fail(e, "caps", errno, "raise ambient capability %d: %s (it must be permitted and inheritable)", c, strerror(errno));
  }
  return 0;
}

int proc_identity(const struct plan *p, struct shim_err *e) {
  if (p->has_caps) {
    for (int c = 0; c < 64; c++) {
      int in = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
      if (in < 0) break; /* past the kernel's last capability */
      if (in && !(p->caps[CAP_BOUNDING] & (1ull << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
        return fail(e, "caps", errno, "drop bounding capability %d: %s", c, strerror(errno));
    }
  }
  if (p->has_groups || p->has_user) {
    if (setgroups(p->n_groups, p->groups) < 0) {
      /* With setgroups denied in a user namespace, an empty list is what we have anyway. */
      if (!(errno == EPERM && p->n_groups == 0))
        return fail(e, "user", errno, "setgroups (%zu groups): %s", p->n_groups, strerror(errno));
    }
  }
  if (p->has_user) {
    if (p->has_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return fail(e, "user", errno, "PR_SET_KEEPCAPS: %s", strerror(errno));
    if (setresgid(p->gid, p->gid, p->gid) < 0) return fail(e, "user", errno, "setresgid %u: %s", (unsigned)p->gid, strerror(errno));
    if (setresuid(p->uid, p->uid, p->uid) < 0) return fail(e, "user", errno, "setresuid %u: %s", (unsigned)p->uid, strerror(errno));
    if (p->has_caps && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return fail(e, "user", errno, "PR_SET_KEEPCAPS: %s", strerror(errno));
  }
  if (p->has_caps && set_caps(p, e) < 0) return -1;
  umask(p->has_umask ? p->umask : 022);
  if (p->cwd && chdir(p->cwd) < 0) return fail(e, "cwd", errno, "chdir %s: %s", p->cwd, strerror(errno));
  return 0;
}

void proc_reset_signals(void) {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  for (int s = 1; s < NSIG; s++) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    signal(s, SIG_DFL);
  }
}

int proc_exec(const struct plan *p, struct shim_err *e) {
  const char *prog = p->argv[0];
  char *const *argv = p->argv;
  char *const *envp = p->envp;
  if (strchr(prog, '/')) {
    execve(prog, argv, envp);
    return fail(e, "exec", errno, "exec \"%s\": %s", prog, strerror(errno));
  }
  const char *path = plan_getenv(p, "PATH");
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int seen_eacces = 0;
  size_t plen = strlen(prog);
  char full[4096];
  for (const char *d = path;;) {
    const char *colon = strchr(d, ':');
    size_t dl = colon ? (size_t)(colon - d) : strlen(d);
    if (dl == 0) { d = "."; dl = 1; }
    if (dl + plen + 2 <= sizeof(full)) {
      memcpy(full, d, dl);
      full[dl] = '/';
      memcpy(full + dl + 1, prog, plen + 1);
      execve(full, argv, envp);
      if (errno == EACCES) seen_eacces = 1;
      else if (errno != ENOENT && errno != ENOTDIR)
        return fail(e, "exec", errno, "exec \"%s\" (%s): %s", prog, full, strerror(errno));
    }
    if (!colon) break;
    d = colon + 1;
  }
  if (seen_eacces) return fail(e, "exec", EACCES, "exec \"%s\": permission denied", prog);
  return fail(e, "exec", ENOENT, "exec: \"%s\": executable file not found in $PATH", prog);
}
