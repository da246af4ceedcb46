/* Messages on the shim<->child channel: one datagram per message, with SCM_RIGHTS for fds. */
#include "msg.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int sendmsg_fd(int sock, const void *data, size_t len, int passfd) {
  struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (passfd >= 0) {
    memset(&u, 0, sizeof(u));
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof(u.buf);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &passfd, sizeof(int));
  }
  for (;;) {
    ssize_t w = sendmsg(sock, &mh, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    if ((size_t)w != len) { errno = EIO; return -1; }
    return 0;
  }
}

int msg_send(int sock, const char *text, int passfd) {
  return sendmsg_fd(sock, text, strlen(text), passfd);
}

int msg_send_err(int sock, const struct shim_err *e) {
  char buf[MSG_MAX];
  err_format(e, buf, sizeof(buf));
  return msg_send(sock, buf, -1);
}

ssize_t msg_recv(int sock, char *buf, size_t len, int *fd) {
  struct iovec iov = {.iov_base = buf, .iov_len = len - 1};
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  if (fd) *fd = -1;
  ssize_t r;
  do r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC); while (r < 0 && errno == EINTR);
  if (r < 0) return -1;
  buf[r] = '\0';
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int got;
      memcpy(&got, CMSG_DATA(c), sizeof(int));
      if (fd && *fd < 0) *fd = got; else close(got);
    }
  }
  return r;
}

int send_fd(int sock, int fd, const char *name) {
  return sendmsg_fd(sock, name, strlen(name), fd);
}
