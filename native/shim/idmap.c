/* Idmapped mounts (see idmap.h and docs/userns.md). Everything here runs in the launcher, in the
 * host's mount namespace, one request at a time in its main loop. */
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define MAP_TEXT_MAX 4096 /* the kernel takes at most one page per map write */

/* "c:h:s,c:h:s" -> "c h s\nc h s\n" (the /proc/PID/uid_map format); -1 if malformed. */
static int map_text(const char *in, char *out, size_t cap) {
  size_t pos = 0;
  const char *p = in;
  if (!*p) return -1;
  while (*p) {
    for (int part = 0; part < 3; part++) {
      const char *start = p;
      while (*p >= '0' && *p <= '9') p++;
      if (p == start || p - start > 10) return -1;
      size_t n = (size_t)(p - start);
      if (pos + n + 2 >= cap) return -1;
      memcpy(out + pos, start, n);
      pos += n;
      out[pos++] = part < 2 ? ' ' : '\n';
      if (part < 2) {
        if (*p != ':') return -1;
        p++;
      }
    }
    if (*p == ',') p++;
    else if (*p) return -1;
  }
  out[pos] = '\0';
  return 0;
}

static int write_map(pid_t pid, const char *name, const char *text) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int err = errno;
  close(fd);
  if (n != (ssize_t)strlen(text)) {
    errno = n < 0 ? err : EIO;
    return -1;
  }
  return 0;
}

int idmap_userns_fd(const char *uid_map, const char *gid_map, char *msg, size_t msglen) {
  char uids[MAP_TEXT_MAX], gids[MAP_TEXT_MAX];
  if (map_text(uid_map, uids, sizeof(uids)) < 0 || map_text(gid_map, gids, sizeof(gids)) < 0) {
    snprintf(msg, msglen, "id maps must be container:host:size[,...], got %.100s / %.100s", uid_map, gid_map);
    return -EINVAL;
  }
  int ready[2], go[2];
  if (pipe2(ready, O_CLOEXEC) < 0) {
    int err = errno;
    snprintf(msg, msglen, "pipe: %s", strerror(err));
    return -err;
  }
  if (pipe2(go, O_CLOEXEC) < 0) {
    int err = errno;
    close(ready[0]); close(ready[1]);
    snprintf(msg, msglen, "pipe: %s", strerror(err));
    return -err;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(ready[0]); close(ready[1]); close(go[0]); close(go[1]);
    snprintf(msg, msglen, "fork: %s", strerror(err));
    return -err;
  }
  if (pid == 0) {
    /* The child only holds the namespace open until the parent has its fd. */
    close(ready[0]);
    close(go[1]);
    char c = unshare(CLONE_NEWUSER) < 0 ? (char)errno : 0;
    if (write(ready[1], &c, 1) != 1) _exit(1);
    while (read(go[0], &c, 1) < 0 && errno == EINTR) {}
    _exit(0);
  }
  close(ready[1]);
  close(go[0]);
  int rc;
  char c = 0;
  ssize_t r;
  while ((r = read(ready[0], &c, 1)) < 0 && errno == EINTR) {}
  if (r != 1 || c != 0) {
    rc = -(r == 1 ? c : EIO);
    snprintf(msg, msglen, "unshare a user namespace: %s", strerror(-rc));
  } else if (write_map(pid, "uid_map", uids) < 0 || write_map(pid, "gid_map", gids) < 0) {
    rc = -errno;
    snprintf(msg, msglen, "write the id maps of the idmapping namespace (%s / %s): %s", uid_map, gid_map, strerror(-rc));
  } else {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
    rc = open(path, O_RDONLY | O_CLOEXEC);
    if (rc < 0) {
      rc = -errno;
      snprintf(msg, msglen, "open %s: %s", path, strerror(-rc));
    }
  }
  close(go[1]); /* the child exits now */
  close(ready[0]);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
  return rc;
}

/* A detached clone of dirfd/path, idmapped with userns (and read-only if asked). */
static int idmapped_tree(int dirfd, const char *path, int userns, int recursive, int rdonly, char *msg, size_t msglen) {
  int fd = open_tree(dirfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (fd < 0) {
    int err = errno;
    snprintf(msg, msglen, "open_tree %s: %s", path, strerror(err));
    return -err;
  }
  struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP | (rdonly ? MOUNT_ATTR_RDONLY : 0), .userns_fd = (unsigned long long)userns};
  if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) < 0) {
    int err = errno;
    close(fd);
    snprintf(msg, msglen, "mount_setattr MOUNT_ATTR_IDMAP on %s: %s", path, strerror(err));
    return -err;
  }
  return fd;
}

/* What the kernel said about a failed fsconfig (lines "e overlay: ..."), appended to msg. */
static void fs_log(int fsfd, char *msg, size_t msglen) {
  char buf[256];
  ssize_t n;
  while ((n = read(fsfd, buf, sizeof(buf) - 1)) > 0) {
    buf[n] = '\0';
    size_t len = strlen(msg);
    if (len + 4 < msglen) snprintf(msg + len, msglen - len, " (%s)", buf[1] == ' ' ? buf + 2 : buf);
  }
}

static unsigned int mount_attrs(unsigned long flags) {
  unsigned int a = 0;
  if (flags & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV) a |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NOATIME) a |= MOUNT_ATTR_NOATIME;
  if (flags & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
  if (flags & MS_STRICTATIME) a |= MOUNT_ATTR_STRICTATIME;
  return a;
}

/* The idmapped layer mounts of one overlay are attached, for the time of the mount(2), at
 * <target>.idmap-XXXXXX/<n>: overlayfs takes a private clone of each layer
 * (clone_private_mount), which refuses a mount that is not in our namespace ("failed to clone
 * lowerpath" for a detached one, Linux 6.18). Once the overlay exists they are detached again:
 * the overlay keeps its clones, and nothing stays in the mount table. */
struct staging {
  char dir[4096];
  int n; /* layers attached so far: dir/0 .. dir/n-1 */
};

static int staging_init(struct staging *st, const char *target, char *msg, size_t msglen) {
  st->n = 0;
  errno = 0;
  if (snprintf(st->dir, sizeof(st->dir), "%s.idmap-XXXXXX", target) >= (int)sizeof(st->dir) || !mkdtemp(st->dir)) {
    int err = errno ? errno : ENAMETOOLONG;
    snprintf(msg, msglen, "make a staging directory for the idmapped layers of %s: %s", target, strerror(err));
    st->dir[0] = '\0';
    return -err;
  }
  return 0;
}

/* Detaches every staged layer and removes the directories (also after a failure). */
static void staging_done(struct staging *st) {
  if (!st->dir[0]) return;
  char path[4200];
  for (int i = 0; i < st->n; i++) {
    snprintf(path, sizeof(path), "%s/%d", st->dir, i);
    umount2(path, MNT_DETACH);
    rmdir(path);
  }
  rmdir(st->dir);
  st->dir[0] = '\0';
}

/* Attaches an idmapped clone of dirfd/path at the next staging slot; returns its fd. The clone
 * is read-only (a lower layer is never written): should the launcher die before detaching it,
 * a recursive removal of the container's directory cannot delete the image's files through it. */
static int stage(int dirfd, const char *path, int userns, struct staging *st, char *msg, size_t msglen) {
  int fd = idmapped_tree(dirfd, path, userns, 0, 1, msg, msglen);
  if (fd < 0) return fd;
  char at[4200];
  snprintf(at, sizeof(at), "%s/%d", st->dir, st->n);
  int rc = 0;
  if (mkdir(at, 0700) < 0) {
    rc = -errno;
    snprintf(msg, msglen, "mkdir %s: %s", at, strerror(-rc));
  } else if (move_mount(fd, "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
    rc = -errno;
    rmdir(at);
    snprintf(msg, msglen, "move_mount the idmapped %s onto %s: %s", path, at, strerror(-rc));
  } else {
    st->n++;
  }
  if (rc < 0) {
    close(fd);
    return rc;
  }
  return fd;
}

static int set_fd(int fsfd, const char *key, int fd, const char *path, char *msg, size_t msglen) {
  if (fsconfig(fsfd, FSCONFIG_SET_FD, key, NULL, fd) == 0) return 0;
  int rc = -errno;
  snprintf(msg, msglen, "overlay %s %s (idmapped): %s", key, path, strerror(-rc));
  fs_log(fsfd, msg, msglen);
  return rc;
}

static int set_lower(int fsfd, int dirfd, const char *path, int userns, struct staging *st, char *msg, size_t msglen) {
  int fd = stage(dirfd, path, userns, st, msg, msglen);
  if (fd < 0) return fd;
  int rc = set_fd(fsfd, "lowerdir+", fd, path, msg, msglen);
  close(fd);
  return rc;
}

/* The upper and work dirs are NOT idmapped: overlayfs writes them with the mounter's (host
 * root's) credentials, which an idmapped mount of them cannot represent (work/work: EOVERFLOW,
 * and the overlay falls back to read-only). The writable layer thus stores host ids (the
 * container's root is the range's first uid), as containerd's idmapped snapshots do; the
 * caller chowns the upper dir's root to the container's root. */
static int set_plain(int fsfd, int dirfd, const char *key, const char *path, char *msg, size_t msglen) {
  int fd = openat(dirfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    snprintf(msg, msglen, "open %s %s: %s", key, path, strerror(err));
    return -err;
  }
  int rc = 0;
  if (fsconfig(fsfd, FSCONFIG_SET_FD, key, NULL, fd) < 0) {
    rc = -errno;
    snprintf(msg, msglen, "overlay %s %s: %s", key, path, strerror(-rc));
    fs_log(fsfd, msg, msglen);
  }
  close(fd);
  return rc;
}

/* Configures fsfd from the overlay option string (modified in place). */
static int overlay_options(int fsfd, char *data, int dirfd, int userns, struct staging *st, char *msg, size_t msglen) {
  int lowers = 0;
  const char *upper = NULL, *work = NULL;
  for (char *save = NULL, *opt = strtok_r(data, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(opt, '=');
    int rc = 0;
    if (eq) *eq = '\0';
    const char *val = eq ? eq + 1 : NULL;
    if (!strcmp(opt, "lowerdir") && val) {
      char *lsave = NULL;
      for (char *l = strtok_r(eq + 1, ":", &lsave); l && rc == 0; l = strtok_r(NULL, ":", &lsave), lowers++)
        rc = set_lower(fsfd, dirfd, l, userns, st, msg, msglen);
    } else if (!strcmp(opt, "upperdir") && val) {
      upper = val;
    } else if (!strcmp(opt, "workdir") && val) {
      work = val;
    } else if (fsconfig(fsfd, val ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, opt, val, 0) < 0) {
      rc = -errno;
      snprintf(msg, msglen, "overlay option %s: %s", opt, strerror(-rc));
      fs_log(fsfd, msg, msglen);
    }
    if (rc < 0) return rc;
  }
  if (lowers == 0) {
    snprintf(msg, msglen, "overlay: no lowerdir");
    return -EINVAL;
  }
  if (!upper != !work) {
    snprintf(msg, msglen, "overlay: upperdir and workdir go together");
    return -EINVAL;
  }
  if (!upper) return 0;
  int rc = set_plain(fsfd, dirfd, "upperdir", upper, msg, msglen);
  return rc < 0 ? rc : set_plain(fsfd, dirfd, "workdir", work, msg, msglen);
}

static int attach(int mfd, const char *target, char *msg, size_t msglen) {
  if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
    int err = errno;
    snprintf(msg, msglen, "move_mount onto %s: %s", target, strerror(err));
    return -err;
  }
  return 0;
}

static int overlay_mount(const char *target, unsigned long flags, const char *data, int dirfd, int userns, char *msg, size_t msglen) {
  char *opts = strdup(data);
  if (!opts) {
    snprintf(msg, msglen, "out of memory");
    return -ENOMEM;
  }
  int rc, mfd = -1;
  struct staging st = {.dir = ""};
  int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fsfd < 0) {
    rc = -errno;
    snprintf(msg, msglen, "fsopen overlay: %s", strerror(-rc));
    goto out;
  }
  if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", "overlay", 0) < 0) {
    rc = -errno;
    snprintf(msg, msglen, "overlay source: %s", strerror(-rc));
    goto out;
  }
  if ((rc = staging_init(&st, target, msg, msglen)) < 0) goto out;
  if ((rc = overlay_options(fsfd, opts, dirfd, userns, &st, msg, msglen)) < 0) goto out;
  if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    rc = -errno;
    snprintf(msg, msglen, "create the overlay for %s: %s", target, strerror(-rc));
    fs_log(fsfd, msg, msglen);
    goto out;
  }
  mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, mount_attrs(flags));
  if (mfd < 0) {
    rc = -errno;
    snprintf(msg, msglen, "fsmount the overlay for %s: %s", target, strerror(-rc));
    goto out;
  }
  rc = attach(mfd, target, msg, msglen);
out:
  staging_done(&st);
  /* A detached mount that was never attached is freed with its last fd. */
  if (mfd >= 0) close(mfd);
  if (fsfd >= 0) close(fsfd);
  free(opts);
  return rc;
}

int idmap_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data, const char *cwd,
                const char *uid_map, const char *gid_map, char *msg, size_t msglen) {
  int dirfd = AT_FDCWD;
  if (cwd && *cwd) {
    dirfd = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
      int err = errno;
      snprintf(msg, msglen, "open %s: %s", cwd, strerror(err));
      return err;
    }
  }
  int rc;
  int userns = idmap_userns_fd(uid_map, gid_map, msg, msglen);
  if (userns < 0) {
    rc = userns;
  } else if (!strcmp(fstype, "overlay")) {
    rc = overlay_mount(target, flags, data, dirfd, userns, msg, msglen);
  } else if ((flags & MS_BIND) && !*fstype) {
    int fd = idmapped_tree(dirfd, source, userns, (flags & MS_REC) != 0, (flags & MS_RDONLY) != 0, msg, msglen);
    rc = fd < 0 ? fd : attach(fd, target, msg, msglen);
    if (fd >= 0) close(fd);
  } else {
    snprintf(msg, msglen, "idmapped mount of %s: only overlay and bind mounts can be idmapped", *fstype ? fstype : source);
    rc = -EINVAL;
  }
  if (userns >= 0) close(userns);
  if (dirfd != AT_FDCWD) close(dirfd);
  return -rc;
}
