/* The container's filesystem, in the order of native/README.md. Destinations are resolved with
 * resolve.c and mounted through /proc/self/fd/N so a symlink planted in the image cannot
 * redirect a mount outside the rootfs. */
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "resolve.h"

#define PROPAGATION_FLAGS (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* Flags the kernel locks on mounts inherited into a user namespace: a remount must keep them. */
static unsigned long locked_flags(const char *path) {
  struct statvfs sv;
  if (statvfs(path, &sv) < 0) return 0;
  unsigned long f = 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

/* Remount of a bind mount; on EPERM retry keeping the flags the kernel locked (as runc). */
static int remount_bind(const char *target, unsigned long flags) {
  if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL) == 0) return 0;
  if (errno != EPERM) return -1;
  unsigned long locked = locked_flags(target) & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
  if (flags & (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)) locked &= ~(unsigned long)(MS_NOATIME | MS_RELATIME);
  return mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags | locked, NULL);
}

/* In a user namespace some filesystems cannot be mounted fresh (sysfs without an own network
 * namespace, mqueue without an own ipc namespace): bind the host's instead, as runc does. */
static const char *userns_fallback(const char *type) {
  if (!strcmp(type, "sysfs")) return "/sys";
  if (!strcmp(type, "mqueue")) return "/dev/mqueue";
  return NULL;
}

static int do_mount(const struct plan_mount *m, int rootfd, int in_userns, struct shim_err *e) {
  unsigned long flags = m->flags & ~(unsigned long)PROPAGATION_FLAGS;
  int is_bind = (flags & MS_BIND) != 0;
  int is_file = 0;
  if (is_bind) {
    struct stat st;
    if (stat(m->source, &st) < 0) return fail(e, "mount", errno, "mount %s: bind source %s: %s", m->dest, m->source, strerror(errno));
    is_file = !S_ISDIR(st.st_mode);
  }
  int fd = resolve_mkpath(rootfd, m->dest, is_file);
  if (fd < 0) return fail(e, "mount", errno, "mount %s: create destination: %s", m->dest, strerror(errno));
  char target[64];
  fd_path(fd, target, sizeof(target));
  int r;
  if (is_bind) r = mount(m->source, target, NULL, MS_BIND | (flags & MS_REC), NULL);
  else r = mount(m->source[0] ? m->source : m->type, target, m->type, flags, m->data[0] ? m->data : NULL);
  if (r < 0 && errno == EPERM && in_userns && userns_fallback(m->type)) {
    r = mount(userns_fallback(m->type), target, NULL, MS_BIND | MS_REC, NULL);
    if (r == 0) {
      is_bind = 1; /* the flags now go on with a bind remount below */
      flags |= MS_BIND | MS_REC;
    }
  }
  int err = errno;
  close(fd);
  if (r < 0) {
    return fail(e, "mount", err, "mount %s (type %s, source %s): %s", m->dest, is_bind ? "bind" : m->type, m->source, strerror(err));
  }
  unsigned long extra = flags & ~(unsigned long)(MS_BIND | MS_REC);
  if ((is_bind && extra) || m->propagation) {
    /* The fd above points below the new mount; reopen to reach the mount itself. */
    fd = resolve_open(rootfd, m->dest);
    if (fd < 0) return fail(e, "mount", errno, "mount %s: reopen after mount: %s", m->dest, strerror(errno));
    fd_path(fd, target, sizeof(target));
    if (is_bind && extra && remount_bind(target, extra | (flags & MS_REC)) < 0) {
      err = errno;
      close(fd);
      return fail(e, "mount", err, "mount %s: remount bind with flags 0x%lx: %s", m->dest, extra, strerror(err));
    }
    if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0) {
      err = errno;
      close(fd);
      return fail(e, "mount", err, "mount %s: set propagation 0x%lx: %s", m->dest, m->propagation, strerror(err));
    }
    close(fd);
  }
  return 0;
}

static int make_device(const struct plan_device *d, int rootfd, int in_userns, struct shim_err *e) {
  const char *base;
  int dir = resolve_parent(rootfd, d->path, &base);
  if (dir < 0) return fail(e, "device", errno, "device %s: create parent: %s", d->path, strerror(errno));
  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  /* A node already in the image is replaced (it may carry other numbers). */
  if (unlinkat(dir, base, 0) < 0 && errno != ENOENT && errno != EISDIR) {
    int err = errno; close(dir);
    return fail(e, "device", err, "device %s: remove existing: %s", d->path, strerror(err));
  }
  int r = -1;
  if (!in_userns || type == S_IFIFO) r = mknodat(dir, base, type | d->mode, makedev(d->major, d->minor));
  if (r < 0 && type != S_IFIFO && (in_userns || errno == EPERM)) {
    /* Not allowed to create nodes (user namespace): bind the host's node instead. */
    int f = openat(dir, base, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0000);
    if (f < 0) { int err = errno; close(dir); return fail(e, "device", err, "device %s: create bind target: %s", d->path, strerror(err)); }
    close(f);
    int t = openat(dir, base, O_PATH | O_CLOEXEC | O_NOFOLLOW);
    if (t < 0) { int err = errno; close(dir); return fail(e, "device", err, "device %s: open bind target: %s", d->path, strerror(err)); }
    char target[64];
    r = mount(d->path, fd_path(t, target, sizeof(target)), NULL, MS_BIND, NULL);
    int err = errno;
    close(t);
    close(dir);
    if (r < 0) return fail(e, "device", err, "device %s: bind host node: %s", d->path, strerror(err));
    return 0;
  }
  if (r < 0) { int err = errno; close(dir); return fail(e, "device", err, "device %s: mknod: %s", d->path, strerror(err)); }
  if (fchmodat(dir, base, d->mode, 0) < 0 || fchownat(dir, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0) {
    int err = errno; close(dir);
    return fail(e, "device", err, "device %s: chmod/chown: %s", d->path, strerror(err));
  }
  close(dir);
  return 0;
}

static int make_symlink(int rootfd, const char *target, const char *linkpath, struct shim_err *e) {
  const char *base;
  int dir = resolve_parent(rootfd, linkpath, &base);
  if (dir < 0) return fail(e, "mount", errno, "symlink %s: create parent: %s", linkpath, strerror(errno));
  int r = symlinkat(target, dir, base);
  int err = errno;
  close(dir);
  if (r < 0 && err != EEXIST) return fail(e, "mount", err, "symlink %s -> %s: %s", linkpath, target, strerror(err));
  return 0;
}

/* With a devpts on /dev/pts, /dev/ptmx must point to its multiplexer (as runc). */
static int link_ptmx(const struct plan *p, int rootfd, struct shim_err *e) {
  int has_devpts = 0;
  for (size_t i = 0; i < p->n_mounts; i++)
    if (!strcmp(p->mounts[i].type, "devpts") && !strcmp(p->mounts[i].dest, "/dev/pts")) has_devpts = 1;
  if (!has_devpts) return 0;
  const char *base;
  int dir = resolve_parent(rootfd, "/dev/ptmx", &base);
  if (dir < 0) return fail(e, "mount", errno, "/dev/ptmx: %s", strerror(errno));
  if (unlinkat(dir, base, 0) < 0 && errno != ENOENT) {
    int err = errno; close(dir);
    return fail(e, "mount", err, "remove /dev/ptmx: %s", strerror(err));
  }
  int r = symlinkat("pts/ptmx", dir, base);
  int err = errno;
  close(dir);
  if (r < 0) return fail(e, "mount", err, "symlink /dev/ptmx: %s", strerror(err));
  return 0;
}

/* Decodes mountinfo's octal escapes (\040 for a space) in place. */
static void unoctal(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
      *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
      r += 3;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
}

/* pivot_root refuses a shared parent mount of the new root. With a shared rootfs propagation
 * (Docker's "rshared"), make the mount that contains the rootfs private, as runc does. */
static int rootfs_parent_private(const char *rootfs_path, struct shim_err *e) {
  char rootfs[4096];
  if (!realpath(rootfs_path, rootfs)) return fail(e, "mount", errno, "rootfs %s: %s", rootfs_path, strerror(errno));
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return fail(e, "mount", errno, "read mountinfo: %s", strerror(errno));
  char *line = NULL, best[4096] = "";
  size_t cap = 0, best_len = 0;
  int shared = 0;
  while (getline(&line, &cap, f) > 0) {
    /* id parent major:minor root mountpoint options optional... - ... */
    char *save, *tok = strtok_r(line, " ", &save);
    char *mp = NULL, *opt = NULL;
    for (int i = 0; tok && i < 6; i++, tok = strtok_r(NULL, " ", &save)) {
      if (i == 4) mp = tok;
    }
    opt = tok; /* first optional field or "-" */
    if (!mp) continue;
    unoctal(mp);
    size_t n = strlen(mp);
    int prefix = !strcmp(mp, "/") || (!strncmp(rootfs, mp, n) && (rootfs[n] == '/' || rootfs[n] == '\0'));
    if (!prefix || n < best_len || n >= sizeof(best)) continue;
    best_len = n;
    memcpy(best, mp, n + 1);
    shared = 0;
    for (; opt && strcmp(opt, "-"); opt = strtok_r(NULL, " ", &save))
      if (!strncmp(opt, "shared:", 7)) shared = 1;
  }
  free(line);
  fclose(f);
  if (shared && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
    return fail(e, "mount", errno, "make %s (parent mount of the rootfs) private: %s", best, strerror(errno));
  return 0;
}

int mounts_prepare(const struct plan *p, int in_userns, int *rootfd, struct shim_err *e) {
  *rootfd = -1;
  unsigned long prop = p->has_rootfs_propagation ? p->rootfs_propagation : (MS_REC | MS_PRIVATE);
  if (mount(NULL, "/", NULL, prop, NULL) < 0)
    return fail(e, "mount", errno, "set propagation 0x%lx on /: %s", prop, strerror(errno));
  if ((prop & MS_SHARED) && rootfs_parent_private(p->rootfs, e) < 0) return -1;
  /* pivot_root needs the rootfs to be a mount point. */
  if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return fail(e, "mount", errno, "bind rootfs %s: %s", p->rootfs, strerror(errno));
  int fd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(e, "mount", errno, "open rootfs %s: %s", p->rootfs, strerror(errno));
  for (size_t i = 0; i < p->n_mounts; i++)
    if (do_mount(&p->mounts[i], fd, in_userns, e) < 0) { close(fd); return -1; }
  for (size_t i = 0; i < p->n_devices; i++)
    if (make_device(&p->devices[i], fd, in_userns, e) < 0) { close(fd); return -1; }
  for (size_t i = 0; i < p->n_symlinks; i++)
    if (make_symlink(fd, p->symlinks[i].a, p->symlinks[i].b, e) < 0) { close(fd); return -1; }
  if (link_ptmx(p, fd, e) < 0) { close(fd); return -1; }
  *rootfd = fd;
  return 0;
}

int mounts_pivot(const struct plan *p, int rootfd, struct shim_err *e) {
  int newroot = open(p->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0) return fail(e, "pivot_root", errno, "open rootfs %s: %s", p->rootfs, strerror(errno));
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) { int err = errno; close(newroot); return fail(e, "pivot_root", err, "open /: %s", strerror(err)); }
  int r = -1;
  const char *what = "fchdir rootfs";
  if (fchdir(newroot) < 0) goto out;
  /* pivot_root(".", ".") stacks the old root on top of the new one; it is then detached, so
   * no directory for the old root is needed inside the image (runc's trick). */
  what = "pivot_root";
  if (syscall(SYS_pivot_root, ".", ".") < 0) goto out;
  what = "fchdir old root";
  if (fchdir(oldroot) < 0) goto out;
  what = "make old root slave";
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) goto out;
  what = "detach old root";
  if (umount2(".", MNT_DETACH) < 0) goto out;
  what = "chdir /";
  if (chdir("/") < 0) goto out;
  r = 0;
out:;
  int err = errno;
  close(newroot);
  close(oldroot);
  (void)rootfd;
  if (r < 0) return fail(e, "pivot_root", err, "%s: %s", what, strerror(err));
  return 0;
}

static int write_sysctl(const struct plan_pair *s, struct shim_err *e) {
  char path[512];
  int n = snprintf(path, sizeof(path), "/proc/sys/%s", s->a);
  if (n < 0 || (size_t)n >= sizeof(path)) return fail(e, "sysctl", ENAMETOOLONG, "sysctl %s: name too long", s->a);
  for (char *c = path + strlen("/proc/sys/"); *c; c++) if (*c == '.') *c = '/';
  if (write_file(path, s->b) < 0) return fail(e, "sysctl", errno, "sysctl %s=%s: %s", s->a, s->b, strerror(errno));
  return 0;
}

static int readonly_path(const char *path, struct shim_err *e) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == ENOENT) return 0;
    return fail(e, "mount", errno, "readonly %s: bind: %s", path, strerror(errno));
  }
  if (remount_bind(path, MS_RDONLY | MS_REC | locked_flags(path)) < 0) return fail(e, "mount", errno, "readonly %s: remount: %s", path, strerror(errno));
  return 0;
}

static int masked_path(const char *path, struct shim_err *e) {
  struct stat st;
  if (stat(path, &st) < 0) {
    if (errno == ENOENT) return 0;
    return fail(e, "mount", errno, "masked %s: %s", path, strerror(errno));
  }
  int r;
  if (S_ISDIR(st.st_mode)) r = mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL);
  else r = mount("/dev/null", path, NULL, MS_BIND, NULL);
  if (r < 0) return fail(e, "mount", errno, "masked %s: %s", path, strerror(errno));
  return 0;
}

int mounts_finalize(const struct plan *p, struct shim_err *e) {
  for (size_t i = 0; i < p->n_sysctls; i++)
    if (write_sysctl(&p->sysctls[i], e) < 0) return -1;
  for (size_t i = 0; i < p->n_readonly; i++)
    if (readonly_path(p->readonly[i], e) < 0) return -1;
  for (size_t i = 0; i < p->n_masked; i++)
    if (masked_path(p->masked[i], e) < 0) return -1;
  if (p->readonly_root && remount_bind("/", MS_RDONLY | locked_flags("/")) < 0)
    return fail(e, "mount", errno, "remount / read-only: %s", strerror(errno));
  return 0;
}

int mounts_bind_console(const char *slave_path, struct shim_err *e) {
  struct stat st;
  if (lstat("/dev/console", &st) < 0) {
    if (errno != ENOENT) return fail(e, "console", errno, "stat /dev/console: %s", strerror(errno));
    int fd = open("/dev/console", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return fail(e, "console", errno, "create /dev/console: %s", strerror(errno));
    close(fd);
  } else if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
    return fail(e, "console", EINVAL, "/dev/console in the image is not a file");
  }
  if (mount(slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0)
    return fail(e, "console", errno, "bind %s on /dev/console: %s", slave_path, strerror(errno));
  return 0;
}
