/* The launch plan (native/README.md) parsed into a struct. Strings point into the line buffer. */
#ifndef BERTH_SHIM_PLAN_H
#define BERTH_SHIM_PLAN_H

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "lines.h"
#include "util.h"

enum ns_kind { NS_PID, NS_NET, NS_IPC, NS_MNT, NS_UTS, NS_USER, NS_CGROUP, NS_TIME, NS_COUNT };
enum cap_set { CAP_BOUNDING, CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE, CAP_AMBIENT, CAP_SETS };
enum hook_phase { HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER };

struct plan_ns {
  int present;      /* listed in the plan */
  const char *path; /* NULL = create a new one */
};

struct plan_idmap { uint64_t container, host, size; };

struct plan_mount {
  const char *dest, *type, *source, *data;
  unsigned long flags, propagation;
};

struct plan_device {
  const char *path;
  char type; /* c b p u */
  unsigned major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

struct plan_pair { const char *a, *b; };

struct plan_rlimit { int resource; rlim_t soft, hard; };

struct plan_hook {
  enum hook_phase phase;
  int timeout_s;
  const char *path;
  char **argv; /* NULL-terminated (allocated) */
  char **envp; /* NULL-terminated (allocated) */
};

struct plan {
  struct lines lines;
  const char *id;
  const char *rootfs;
  int readonly_root;
  int has_rootfs_propagation;
  unsigned long rootfs_propagation;
  const char *hostname, *domainname;
  struct plan_ns ns[NS_COUNT];
  struct plan_idmap *uid_map, *gid_map;
  size_t n_uid_map, n_gid_map;
  int setgroups_deny;
  struct plan_mount *mounts; size_t n_mounts;
  struct plan_device *devices; size_t n_devices;
  struct plan_pair *symlinks; size_t n_symlinks; /* a = target, b = linkpath */
  const char **masked; size_t n_masked;
  const char **readonly; size_t n_readonly;
  struct plan_pair *sysctls; size_t n_sysctls; /* a = key, b = value */
  struct plan_rlimit *rlimits; size_t n_rlimits;
  int has_oom_score_adj; int oom_score_adj;
  const char **cgroup_procs; size_t n_cgroup_procs;
  const char *seccomp;
  unsigned seccomp_flags; /* seccomp(2) flags (SECCOMP_FILTER_FLAG_*) */
  void *seccomp_prog;     /* the program, read by the shim before clone (host path) */
  size_t seccomp_len;     /* in instructions */
  int no_new_privs;
  int has_caps; /* any caps line: then unlisted sets are empty */
  uint64_t caps[CAP_SETS];
  int has_user; uid_t uid; gid_t gid;
  int has_groups; gid_t *groups; size_t n_groups;
  int has_umask; mode_t umask;
  const char *cwd;
  char **argv; size_t n_argv; /* NULL-terminated */
  char **envp; size_t n_envp; /* NULL-terminated */
  int terminal;
  int has_console_size; unsigned short rows, cols;
  int stdin_open, stdin_once;
  struct plan_hook *hooks; size_t n_hooks;
  const char *state_json;
};

extern const char *const ns_names[NS_COUNT];

/* Reads and validates a plan file. On error fills e (stage "plan") and returns -1. */
int plan_load(const char *path, struct plan *p, struct shim_err *e);
void plan_free(struct plan *p);
/* Looks up an env value in the plan's env (NULL if absent). */
const char *plan_getenv(const struct plan *p, const char *key);
/* state_json with "pid":0 replaced by the given pid (malloc'd, NULL if no state_json). */
char *plan_state_json(const struct plan *p, pid_t pid);

#endif
