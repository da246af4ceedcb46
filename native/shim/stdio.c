/* The container's stdio: pipes, pty, console socket. */
#include "stdio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "mounts.h"
#include "msg.h"

static void closep(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

int stdio_prepare(const struct options *o, const struct plan *p, struct stdio_fds *s, struct shim_err *e) {
  for (int i = 0; i < 3; i++) s->child[i] = -1;
  s->in_w = s->out_r = s->err_r = s->master = -1;
  if (p->terminal || o->stdio == STDIO_INHERIT) return 0;
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) goto fail;
  if (p->stdin_open) {
    if (pipe2(in, O_CLOEXEC) < 0) goto fail;
  } else {
    in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in[0] < 0) goto fail;
  }
  s->child[0] = in[0]; s->in_w = in[1];
  s->child[1] = out[1]; s->out_r = out[0];
  s->child[2] = err[1]; s->err_r = err[0];
  return 0;
fail:;
  int x = errno;
  closep(&in[0]); closep(&in[1]); closep(&out[0]); closep(&out[1]); closep(&err[0]); closep(&err[1]);
  return fail(e, "stdio", x, "create stdio pipes: %s", strerror(x));
}

int stdio_child_install(struct stdio_fds *s, struct shim_err *e) {
  closep(&s->in_w); closep(&s->out_r); closep(&s->err_r); closep(&s->master);
  for (int i = 0; i < 3; i++) {
    if (s->child[i] < 0) continue;
    /* dup2 onto itself would keep O_CLOEXEC, so go through a fresh fd first. */
    if (dup2(s->child[i], i) < 0) return fail(e, "stdio", errno, "dup2 stdio %d: %s", i, strerror(errno));
  }
  for (int i = 0; i < 3; i++) {
    int same = 0;
    for (int j = 0; j < 3; j++) if (s->child[i] == j) same = 1;
    if (s->child[i] >= 3 && !same) {
      int dup_again = 0;
      for (int j = i + 1; j < 3; j++) if (s->child[j] == s->child[i]) dup_again = 1;
      if (!dup_again) close(s->child[i]);
    }
    s->child[i] = -1;
  }
  return 0;
}

void stdio_close_child(struct stdio_fds *s) {
  for (int i = 0; i < 3; i++) {
    if (s->child[i] < 0) continue;
    for (int j = i + 1; j < 3; j++) if (s->child[j] == s->child[i]) s->child[j] = -1;
    closep(&s->child[i]);
  }
}

void stdio_close_all(struct stdio_fds *s) {
  stdio_close_child(s);
  closep(&s->in_w); closep(&s->out_r); closep(&s->err_r); closep(&s->master);
}

int pty_resize(int master, unsigned rows, unsigned cols) {
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  return ioctl(master, TIOCSWINSZ, &ws);
}

int pty_setup(const struct plan *p, int bind_console, int *master, struct shim_err *e) {
  *master = -1;
  int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return fail(e, "console", errno, "open /dev/ptmx in the container: %s", strerror(errno));
  char name[64];
  int slave = -1;
  if (unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name)) != 0) {
    int x = errno; close(m);
    return fail(e, "console", x, "unlock pty: %s", strerror(x));
  }
  slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) { int x = errno; close(m); return fail(e, "console", x, "open %s: %s", name, strerror(x)); }
  if (p->has_console_size && pty_resize(m, p->rows, p->cols) < 0) {
    int x = errno; close(m); close(slave);
    return fail(e, "console", x, "set console size: %s", strerror(x));
  }
  if (bind_console && mounts_bind_console(name, e) < 0) { close(m); close(slave); return -1; }
  if (setsid() < 0 && errno != EPERM) { int x = errno; close(m); close(slave); return fail(e, "console", x, "setsid: %s", strerror(x)); }
  if (ioctl(slave, TIOCSCTTY, 0) < 0) { int x = errno; close(m); close(slave); return fail(e, "console", x, "TIOCSCTTY: %s", strerror(x)); }
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0) { int x = errno; close(m); close(slave); return fail(e, "console", x, "dup2 pty: %s", strerror(x)); }
  close(slave);
  *master = m;
  return 0;
}

int console_socket_send(const char *path, int master, struct shim_err *e) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(sa.sun_path)) return fail(e, "console", ENAMETOOLONG, "console socket path too long: %s", path);
  strcpy(sa.sun_path, path);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail(e, "console", errno, "socket: %s", strerror(errno));
  int r;
  do r = connect(s, (struct sockaddr *)&sa, sizeof(sa)); while (r < 0 && errno == EINTR);
  if (r < 0) { int x = errno; close(s); return fail(e, "console", x, "connect console socket %s: %s", path, strerror(x)); }
  if (send_fd(s, master, "/dev/ptmx") < 0) { int x = errno; close(s); return fail(e, "console", x, "send pty master: %s", strerror(x)); }
  close(s);
  return 0;
}
