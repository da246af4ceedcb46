/* Test helper for the seccomp integration tests.
 *   seccomp_exec [--flags N] BPF_FILE PROG ARGS...   load the program, then exec PROG
 *   seccomp_exec --try-syscall NAME[,NAME...] BPF_FILE
 *       load the program (BPF_FILE "-" = no filter, for a baseline), call each syscall with
 *       harmless arguments and print "NAME\tok" or "NAME\terrno\t<n>\t<text>", one per line.
 * Loading is what berth-shim does: no_new_privs, then seccomp(SECCOMP_SET_MODE_FILTER). */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MISSING "/nonexistent-berth-test"
/* Same numbers on every architecture (the unified table above 424). */
#define NR_FCHMODAT2 452    /* Linux 6.6, in the default profile */
#define NR_OPEN_TREE_ATTR 467 /* Linux 6.15, newer than every syscall the default profile names */

static void load(const char *path, unsigned flags) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { fprintf(stderr, "seccomp_exec: open %s: %s\n", path, strerror(errno)); exit(125); }
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) || st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
    fprintf(stderr, "seccomp_exec: %s: not a BPF program\n", path); exit(125);
  }
  struct sock_filter *insns = malloc((size_t)st.st_size);
  if (!insns || read(fd, insns, (size_t)st.st_size) != st.st_size) { fprintf(stderr, "seccomp_exec: read %s failed\n", path); exit(125); }
  close(fd);
  struct sock_fprog prog = { .len = (unsigned short)(st.st_size / sizeof(struct sock_filter)), .filter = insns };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) { perror("seccomp_exec: no_new_privs"); exit(125); }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0) { perror("seccomp_exec: seccomp"); exit(125); }
  free(insns);
}

/* A clone that creates nothing but a child that exits at once; returns like a syscall. */
static long try_clone(unsigned long flags) {
  long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) syscall(SYS_exit_group, 0);
  if (pid > 0) waitpid((pid_t)pid, NULL, 0);
  return pid;
}

static long close_if_fd(long r) {
  if (r >= 0) close((int)r);
  return r;
}

/* Each entry must be harmless for the calling process and the host even with no filter. */
static long try_one(const char *name, int *known) {
  *known = 1;
  if (!strcmp(name, "getpid")) return syscall(SYS_getpid);
  if (!strcmp(name, "unshare")) return syscall(SYS_unshare, 0);
  if (!strcmp(name, "setns")) return syscall(SYS_setns, -1, 0);
  if (!strcmp(name, "mount")) return syscall(SYS_mount, "none", MISSING, "tmpfs", 0, NULL);
  if (!strcmp(name, "umount2")) return syscall(SYS_umount2, MISSING, 0);
  if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -1 /* thread */, 0 /* don't create */);
  if (!strcmp(name, "add_key")) return syscall(SYS_add_key, "user", "berth-test", "x", 1, 0 /* no such keyring */);
  if (!strcmp(name, "request_key")) return syscall(SYS_request_key, "user", "berth-test-missing", NULL, 0);
  if (!strcmp(name, "bpf")) return syscall(SYS_bpf, -1, NULL, 0);
  if (!strcmp(name, "ptrace")) return syscall(SYS_ptrace, 3 /* PEEKUSER */, 0 /* no such pid */, 0, 0);
  if (!strcmp(name, "kexec_load")) return syscall(SYS_kexec_load, 0, 0, NULL, 0xffff0000UL /* invalid flags */);
  if (!strcmp(name, "open_by_handle_at")) return syscall(SYS_open_by_handle_at, -1, NULL, 0);
  if (!strcmp(name, "init_module")) return syscall(SYS_init_module, NULL, 0, "");
  if (!strcmp(name, "finit_module")) return syscall(SYS_finit_module, -1, "", 0);
  if (!strcmp(name, "reboot")) return syscall(SYS_reboot, 0, 0, 0, NULL); /* bad magic */
  if (!strcmp(name, "swapon")) return syscall(SYS_swapon, MISSING, 0);
  if (!strcmp(name, "chroot")) return syscall(SYS_chroot, "/");
  if (!strcmp(name, "clone")) return try_clone(0);
  if (!strcmp(name, "clone_newuser")) return try_clone(CLONE_NEWUSER);
  if (!strcmp(name, "clone_newns")) return try_clone(CLONE_NEWNS);
  if (!strcmp(name, "clone3")) return syscall(SYS_clone3, NULL, 0);
  if (!strcmp(name, "personality_query")) return syscall(SYS_personality, 0xffffffffUL);
  if (!strcmp(name, "personality_addr_no_randomize")) return syscall(SYS_personality, 0x0040000UL);
  if (!strcmp(name, "socket_vsock")) return close_if_fd(syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0));
  if (!strcmp(name, "socket_inet")) return close_if_fd(syscall(SYS_socket, AF_INET, SOCK_STREAM, 0));
  if (!strcmp(name, "socket_unix")) return close_if_fd(syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0));
  if (!strcmp(name, "getppid")) return syscall(SYS_getppid);
  if (!strcmp(name, "fchmodat2")) return syscall(NR_FCHMODAT2, AT_FDCWD, MISSING, 0, 0);
  if (!strcmp(name, "open_tree_attr")) return close_if_fd(syscall(NR_OPEN_TREE_ATTR, -1, NULL, 0, NULL, 0));
  if (!strcmp(name, "io_uring_setup")) return close_if_fd(syscall(SYS_io_uring_setup, 0, NULL)); /* 0 entries: EINVAL */
  if (!strcmp(name, "nr_1000")) return syscall(1000); /* no such syscall anywhere */
  if (!strcmp(name, "mkdir")) return syscall(SYS_mkdirat, AT_FDCWD, MISSING "/x", 0700);
  *known = 0;
  return -1;
}

static int try_syscalls(char *names, const char *bpf) {
  if (strcmp(bpf, "-") != 0) load(bpf, 0);
  for (char *name = strtok(names, ","); name; name = strtok(NULL, ",")) {
    int known;
    errno = 0;
    long r = try_one(name, &known);
    int e = errno;
    if (!known) { fprintf(stderr, "seccomp_exec: no harmless call known for %s\n", name); return 2; }
    if (r < 0) printf("%s\terrno\t%d\t%s\n", name, e, strerror(e));
    else printf("%s\tok\n", name);
    fflush(stdout);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "--try-syscall")) return try_syscalls(argv[2], argv[3]);
  int i = 1;
  unsigned flags = 0;
  if (argc > 2 && !strcmp(argv[1], "--flags")) { flags = (unsigned)strtoul(argv[2], NULL, 0); i = 3; }
  if (argc - i < 2) {
    fprintf(stderr, "usage: seccomp_exec [--flags N] BPF_FILE PROG ARGS... | --try-syscall NAMES BPF_FILE\n");
    return 2;
  }
  load(argv[i], flags);
  execvp(argv[i + 1], &argv[i + 1]);
  fprintf(stderr, "seccomp_exec: exec %s: %s\n", argv[i + 1], strerror(errno));
  return 127;
}
