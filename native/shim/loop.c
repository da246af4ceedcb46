/* The supervisor's event loop: poll(2) over SIGCHLD (signalfd), the child's channel (answer to
 * `start`), the container's output, the control socket and its clients. No timers: every wakeup
 * is an event. */
#include "sup.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitrec.h"
#include "msg.h"

#define OUT_CHUNK 16384 /* also the longest log record: longer lines become P records */

static void fan_out(struct sup *s, int stream, const char *data, size_t len) {
  int raw = s->l->stdio.master >= 0;
  if (s->has_log) log_write(&s->log, stream == 2 ? "stderr" : "stdout", data, len);
  unsigned char hdr[5] = {(unsigned char)stream, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                          (unsigned char)(len >> 8), (unsigned char)len};
  for (size_t i = s->nclients; i-- > 0;) {
    struct client *c = &s->clients[i];
    if (!c->attached) continue;
    int ok = 1;
    if (c->is_socket && !raw) {
      struct iovec v[2] = {{hdr, 5}, {(void *)data, len}};
      struct msghdr mh = {.msg_iov = v, .msg_iovlen = 2};
      size_t total = len + 5, done = 0;
      while (ok && done < total) {
        ssize_t w = sendmsg(c->out_fd, &mh, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { ok = 0; break; }
        done += (size_t)w;
        /* Partial send: advance the vectors. */
        size_t adv = (size_t)w;
        while (adv > 0 && mh.msg_iovlen > 0) {
          if (adv >= mh.msg_iov[0].iov_len) { adv -= mh.msg_iov[0].iov_len; mh.msg_iov++; mh.msg_iovlen--; }
          else { mh.msg_iov[0].iov_base = (char *)mh.msg_iov[0].iov_base + adv; mh.msg_iov[0].iov_len -= adv; adv = 0; }
        }
      }
    } else {
      /* Our stdout (terminal proxy) may share a non-blocking file description with stdin. */
      ok = write_all_wait(c->out_fd, data, len, 5000) == 0;
    }
    if (!ok) client_close(s, i); /* gone or stalled past SO_SNDTIMEO */
  }
}

/* Reads one chunk; returns 1 if data was read, 0 if none now, -1 at EOF (fd closed). */
static int pump(struct sup *s, int *fd, int stream) {
  ssize_t r = read(*fd, s->buf, OUT_CHUNK);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
  if (r <= 0) {
    /* EOF, or EIO on a pty master once the last slave is closed. */
    if (*fd != s->l->stdio.master) { close(*fd); *fd = -1; }
    return -1;
  }
  fan_out(s, stream, s->buf, (size_t)r);
  return 1;
}

static void drain(struct sup *s) {
  while (s->l->stdio.out_r >= 0 && pump(s, &s->l->stdio.out_r, 1) == 1) {}
  while (s->l->stdio.err_r >= 0 && pump(s, &s->l->stdio.err_r, 2) == 1) {}
  while (s->l->stdio.master >= 0 && pump(s, &s->l->stdio.master, 1) == 1) {}
}

/* The child's channel after `start`: an error line, or EOF once execve closed it. */
static void start_result(struct sup *s) {
  char buf[MSG_MAX];
  ssize_t n = msg_recv(s->l->sock, buf, sizeof(buf), NULL);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  const char *answer = "ok\n";
  char line[MSG_MAX + 2];
  if (n > 0) {
    if (strncmp(buf, "error\t", 6)) return; /* nothing else is expected; ignore */
    snprintf(line, sizeof(line), "%s%s", buf, buf[n - 1] == '\n' ? "" : "\n");
    answer = line;
  } else if (n < 0 || s->start_state != 1) {
    answer = "error\tstart\t10\tthe container process exited before exec\n";
  }
  for (size_t i = s->nclients; i-- > 0;) {
    struct client *c = &s->clients[i];
    if (!c->start_waiter) continue;
    c->start_waiter = 0;
    client_say(c, answer);
    if (!c->in_open && !c->attached) client_close(s, i);
  }
  close(s->l->sock);
  s->l->sock = -1;
  s->start_state = 2;
}

static void reap(struct sup *s) {
  struct signalfd_siginfo si;
  while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
    if (si.ssi_signo == SIGCHLD || !s->foreground || s->l->pid <= 0 || s->exited) continue;
    /* A terminal-generated signal already reached the process when it shares our process
     * group (no terminal of its own): do not deliver it twice. */
    if (si.ssi_code == SI_KERNEL && !s->l->plan->terminal) continue;
    kill(s->l->pid, (int)si.ssi_signo);
  }
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, WNOHANG);
    if (p <= 0) break;
    if (p == s->l->pid && !s->exited) { s->exited = 1; s->status = st; }
  }
}

static void finish(struct sup *s) {
  drain(s);
  /* An exec error line may still sit in the channel. */
  if (s->l->sock >= 0) {
    set_nonblock(s->l->sock, 1);
    if (s->start_state == 1) start_result(s);
  }
  if (s->has_log) log_close(&s->log);
  /* The terminal proxy made our stdin non-blocking: give the caller its file back as it was. */
  if (s->proxy_stdin) set_nonblock(0, 0);
  /* The exit record before the connections close: a client seeing EOF can read it at once. */
  if (s->dirfd >= 0) exitrec_write(s->dirfd, s->exit_fd, s->status);
  s->exit_fd = -1;
  TMARK("exit written");
  if (s->listen_fd >= 0) { close(s->listen_fd); unlinkat(s->dirfd, "ctl.sock", 0); s->listen_fd = -1; }
  for (size_t i = s->nclients; i-- > 0;) {
    if (s->clients[i].start_waiter) client_say(&s->clients[i], "error\tstart\t10\tthe container process exited before exec\n");
    client_close(s, i);
  }
}

int sup_run(struct sup *s) {
  s->buf = malloc(OUT_CHUNK);
  if (!s->buf) return -1;
  struct stdio_fds *io = &s->l->stdio;
  if (io->out_r >= 0) set_nonblock(io->out_r, 1);
  if (io->err_r >= 0) set_nonblock(io->err_r, 1);
  if (io->master >= 0) set_nonblock(io->master, 1);
  if (io->in_w >= 0) set_nonblock(io->in_w, 1);
  if (s->l->sock >= 0) set_nonblock(s->l->sock, 1);
  /* The caller has our report and is busy for a while before it sends `start`. */
  if (s->dirfd >= 0 && s->exit_fd < 0) s->exit_fd = exitrec_prepare(s->dirfd);
  enum { P_SIG, P_SOCK, P_OUT, P_ERR, P_MASTER, P_IN, P_LISTEN, P_FIXED };
  struct pollfd *pfd = NULL;
  size_t pcap = 0;
  int master_hup = 0; /* no slave open: stop polling until the exit drains it */
  for (;;) {
    reap(s);
    if (s->exited) break;
    size_t need = P_FIXED + s->nclients;
    if (need > pcap) {
      struct pollfd *n = realloc(pfd, need * sizeof(*n));
      if (!n) { poll(NULL, 0, 10); continue; }
      pfd = n;
      pcap = need;
    }
    int in_fd = stdin_target(s);
    pfd[P_SIG] = (struct pollfd){.fd = s->sigfd, .events = POLLIN};
    pfd[P_SOCK] = (struct pollfd){.fd = s->start_state == 1 ? s->l->sock : -1, .events = POLLIN};
    pfd[P_OUT] = (struct pollfd){.fd = io->out_r, .events = POLLIN};
    pfd[P_ERR] = (struct pollfd){.fd = io->err_r, .events = POLLIN};
    pfd[P_MASTER] = (struct pollfd){.fd = master_hup ? -1 : io->master, .events = POLLIN};
    pfd[P_IN] = (struct pollfd){.fd = s->inlen > 0 && in_fd != io->master ? in_fd : -1, .events = POLLOUT};
    if (s->inlen > 0 && in_fd == io->master) pfd[P_MASTER].events |= POLLOUT;
    pfd[P_LISTEN] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
    for (size_t i = 0; i < s->nclients; i++) {
      struct client *c = &s->clients[i];
      int want = c->in_open && (!c->attached || s->inlen == 0);
      pfd[P_FIXED + i] = (struct pollfd){.fd = want ? c->in_fd : -1, .events = POLLIN};
    }
    size_t nclients = s->nclients;
    int r = poll(pfd, P_FIXED + nclients, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (pfd[P_SOCK].revents) start_result(s);
    if (pfd[P_OUT].revents) pump(s, &io->out_r, 1);
    if (pfd[P_ERR].revents) pump(s, &io->err_r, 2);
    if (pfd[P_MASTER].revents & (POLLIN | POLLHUP | POLLERR)) {
      /* After the last slave closes, the master reports POLLHUP until the child is reaped. */
      if (pump(s, &io->master, 1) < 0) master_hup = 1;
    }
    if ((pfd[P_IN].revents) || (pfd[P_MASTER].revents & POLLOUT)) stdin_flush(s);
    /* Clients from the last: closing one moves the last into its slot. */
    for (size_t i = nclients; i-- > 0;) {
      if (i < s->nclients && pfd[P_FIXED + i].revents && pfd[P_FIXED + i].fd == s->clients[i].in_fd)
        ctl_client_input(s, i);
    }
    if (pfd[P_LISTEN].revents) ctl_accept(s);
    if (pfd[P_SIG].revents) continue; /* reaped at the top of the loop */
  }
  free(pfd);
  TMARK("child exited");
  finish(s);
  free(s->buf);
  s->buf = NULL;
  return s->status;
}
