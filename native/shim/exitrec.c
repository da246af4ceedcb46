/* The exit record, written atomically so readers never see a partial file. */
#include "exitrec.h"

#include <stdio.h>
#include <sys/wait.h>

#include "util.h"

int exitrec_write(int dirfd, int status) {
  char buf[96];
  int n;
  if (WIFSIGNALED(status))
    n = snprintf(buf, sizeof(buf), "signaled\t%d\t%llu\n", WTERMSIG(status), (unsigned long long)now_ns());
  else
    n = snprintf(buf, sizeof(buf), "exited\t%d\t%llu\n", WEXITSTATUS(status), (unsigned long long)now_ns());
  return write_file_atomic(dirfd, "exit", buf, (size_t)n);
}
