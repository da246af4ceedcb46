/* Command-line options of berth-shim (native/README.md, "berth-shim"). */
#ifndef BERTH_SHIM_OPTIONS_H
#define BERTH_SHIM_OPTIONS_H

#include <stdint.h>
#include <sys/types.h>

enum shim_mode { MODE_CREATE, MODE_EXEC };
enum stdio_mode { STDIO_INHERIT, STDIO_PIPES };

struct options {
  enum shim_mode mode;
  const char *state_dir, *plan_path, *log_path, *console_socket, *pid_file;
  enum stdio_mode stdio;
  uint64_t log_max_size;  /* 0 = no rotation */
  unsigned log_max_files; /* files kept including the live one */
  int sync_fd;            /* -1 = report on stdout */
  int detach;
  pid_t target_pid;
};

#endif
