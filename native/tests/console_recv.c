/* Test helper for the console-socket protocol: listens on argv[1], prints "ready", receives one
 * pty master (SCM_RIGHTS), writes argv[2] (if given) to it, then copies everything the master
 * yields to stdout until the terminal is closed (EIO), and prints "\n[done]". */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: console_recv SOCKET [INPUT]\n"); return 2; }
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
  if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0) { perror("listen"); return 1; }
  printf("ready\n");
  fflush(stdout);
  int c = accept(l, NULL, NULL);
  if (c < 0) { perror("accept"); return 1; }
  char name[128];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  ssize_t n = recvmsg(c, &mh, 0);
  if (n < 0) { perror("recvmsg"); return 1; }
  name[n] = '\0';
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  if (!cm || cm->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "no fd received\n"); return 1; }
  int master;
  memcpy(&master, CMSG_DATA(cm), sizeof(int));
  printf("name=%s\n", name);
  fflush(stdout);
  close(c);
  close(l);
  unlink(argv[1]);
  if (argc > 2 && write(master, argv[2], strlen(argv[2])) < 0) { perror("write"); return 1; }
  char buf[4096];
  for (;;) {
    ssize_t r = read(master, buf, sizeof(buf));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (write(1, buf, (size_t)r) < 0) return 1;
  }
  printf("\n[done]\n");
  return 0;
}
