/* Runs OCI hooks: fork, state JSON on a stdin pipe, wait on a pidfd with the timeout. */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"

static const char *const phase_names[] = {"createRuntime", "createContainer", "startContainer"};

int hooks_has(const struct plan *p, enum hook_phase phase) {
  for (size_t i = 0; i < p->n_hooks; i++) if (p->hooks[i].phase == phase) return 1;
  return 0;
}

static int run_one(const struct plan_hook *h, const char *state, struct shim_err *e) {
  const char *ph = phase_names[h->phase];
  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0) return fail(e, "hook", errno, "%s hook %s: pipe: %s", ph, h->path, strerror(errno));
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno; close(in[0]); close(in[1]);
    return fail(e, "hook", err, "%s hook %s: fork: %s", ph, h->path, strerror(err));
  }
  if (pid == 0) {
    proc_reset_signals();
    if (dup2(in[0], 0) < 0) _exit(127);
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(h->path, h->argv, h->envp);
    _exit(127);
  }
  close(in[0]);
  /* A hook that does not read its stdin must not kill us with SIGPIPE (ignored in the shim). */
  write_all(in[1], state, strlen(state));
  close(in[1]);
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pfd >= 0) {
    struct pollfd pf = {.fd = pfd, .events = POLLIN};
    int timeout_ms = h->timeout_s > 0 ? h->timeout_s * 1000 : -1;
    int r;
    do r = poll(&pf, 1, timeout_ms); while (r < 0 && errno == EINTR);
    close(pfd);
    if (r == 0) {
      kill(pid, SIGKILL);
      while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
      return fail(e, "hook", ETIMEDOUT, "%s hook %s: timed out after %d s", ph, h->path, h->timeout_s);
    }
  }
  int status;
  pid_t w;
  do w = waitpid(pid, &status, 0); while (w < 0 && errno == EINTR);
  if (w < 0) return fail(e, "hook", errno, "%s hook %s: wait: %s", ph, h->path, strerror(errno));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (WIFSIGNALED(status)) return fail(e, "hook", ECANCELED, "%s hook %s: killed by signal %d", ph, h->path, WTERMSIG(status));
  return fail(e, "hook", ECANCELED, "%s hook %s: exited with status %d", ph, h->path, WEXITSTATUS(status));
}

int hooks_run(const struct plan *p, enum hook_phase phase, pid_t pid, struct shim_err *e) {
  if (!hooks_has(p, phase)) return 0;
  char *state = plan_state_json(p, pid);
  if (!state) return fail(e, "hook", ENOMEM, "out of memory");
  int r = 0;
  for (size_t i = 0; i < p->n_hooks && r == 0; i++)
    if (p->hooks[i].phase == phase) r = run_one(&p->hooks[i], state, e);
  free(state);
  return r;
}
