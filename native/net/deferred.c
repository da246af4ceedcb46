/* Background link deletions (see deferred.h). */
#include "deferred.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "link.h"
#include "netlink.h"

#define DEFERRED_MAX 128

struct deletion {
  pid_t pid;
  char name[IFNAMSIZ];
};

static struct deletion running[DEFERRED_MAX];
static int nrunning;

static void finished(int i, int status) {
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    fprintf(stderr, "berth-netlink: link_delete %s: %s\n", running[i].name, strerror(WEXITSTATUS(status)));
  else if (WIFSIGNALED(status))
    fprintf(stderr, "berth-netlink: link_delete %s: deleter killed by signal %d\n", running[i].name, WTERMSIG(status));
  running[i] = running[--nrunning];
}

/* Waits for entry i (blocking). */
static void wait_entry(int i) {
  int status;
  pid_t r;
  do r = waitpid(running[i].pid, &status, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0) status = 0; /* not our child any more: nothing to report */
  finished(i, status);
}

int deferred_link_delete(const char *name) {
  if (nrunning == DEFERRED_MAX) wait_entry(0); /* backpressure: at most DEFERRED_MAX at once */
  pid_t pid = fork();
  if (pid < 0) return -errno;
  if (pid == 0) {
    /* Child: not part of the request stream (the client must see EOF on our stdout as soon as
     * the helper itself exits), its own socket (the parent's must not see our acks), then exit with the errno. */
    close(STDIN_FILENO);
    close(STDOUT_FILENO);
    struct nl nl;
    char extack[EXTACK_MAX];
    int r = nl_open(&nl);
    if (r == 0) r = link_del(&nl, name, extack);
    if (r == -ENODEV) r = 0;
    _exit(r < 0 ? (-r & 0xff) : 0);
  }
  running[nrunning].pid = pid;
  snprintf(running[nrunning].name, sizeof(running[nrunning].name), "%s", name);
  nrunning++;
  return 0;
}

int deferred_pending(void) { return nrunning; }

void deferred_reap(void) {
  for (int i = 0; i < nrunning;) {
    int status;
    pid_t r = waitpid(running[i].pid, &status, WNOHANG);
    if (r == 0) { i++; continue; }
    if (r < 0) status = 0;
    finished(i, status); /* entry i now holds the former last one: look at it again */
  }
}

void deferred_wait_name(const char *name) {
  for (int i = 0; i < nrunning;) {
    if (strcmp(running[i].name, name) == 0) wait_entry(i);
    else i++;
  }
}

void deferred_wait_all(void) {
  while (nrunning) wait_entry(nrunning - 1);
}
