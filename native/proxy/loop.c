/* The single epoll loop: every fd is non-blocking and carries a watcher; SIGTERM and SIGINT
 * arrive through a signalfd so that shutdown is an ordinary event (exit 0). */
#include "proxy.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static int epfd = -1;
static int sigfd = -1;
static int (*tick_fn)(uint64_t now_ms);
static void **graveyard;
static size_t ngrave, capgrave;

void loop_defer_free(void *p) {
  if (ngrave == capgrave) {
    size_t nc = capgrave ? capgrave * 2 : 64;
    void **g = realloc(graveyard, nc * sizeof(void *));
    if (!g) { logf_("out of memory; leaking a closed connection record"); return; }
    graveyard = g;
    capgrave = nc;
  }
  graveyard[ngrave++] = p;
}

uint64_t loop_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int loop_init(void) {
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return -1;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -1;
  sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sigfd < 0) return -1;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
  return epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev);
}

int loop_add(int fd, uint32_t events, struct watcher *w) {
  struct epoll_event ev = { .events = events, .data.ptr = w };
  return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int loop_mod(int fd, uint32_t events, struct watcher *w) {
  struct epoll_event ev = { .events = events, .data.ptr = w };
  return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

void loop_del(int fd) { epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

void loop_set_tick(int (*tick)(uint64_t now_ms)) { tick_fn = tick; }

int loop_run(void) {
  struct epoll_event evs[256];
  int ticking = 0;
  uint64_t last_tick = loop_now_ms();
  for (;;) {
    int n = epoll_wait(epfd, evs, 256, ticking ? 1000 : -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      logf_("epoll_wait: %s", strerror(errno));
      return -1;
    }
    for (int i = 0; i < n; i++) {
      /* data.ptr NULL is the signalfd: the only signals routed there end the proxy. */
      if (evs[i].data.ptr == NULL) return 0;
    }
    for (int i = 0; i < n; i++) {
      struct watcher *w = evs[i].data.ptr;
      w->on_event(w, evs[i].events);
    }
    for (size_t i = 0; i < ngrave; i++) free(graveyard[i]);
    ngrave = 0;
    /* Handlers may register timed state (UDP flows); ticking is re-evaluated every round. */
    uint64_t now = loop_now_ms();
    if (tick_fn && (now - last_tick >= 1000 || !ticking)) {
      ticking = tick_fn(now);
      last_tick = now;
    }
  }
}
