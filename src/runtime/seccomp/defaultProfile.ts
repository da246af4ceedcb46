import { release } from "node:os";
import type { Seccomp, SeccompAction } from "../../oci/runtime.js";
import { DOCKER_DEFAULT_CAPABILITIES } from "../../oci/defaults.js";
import type { DockerSeccompFilter, DockerSeccompProfile, DockerSeccompRule } from "./dockerProfile.js";
import { resolveDockerProfile } from "./dockerProfile.js";

/**
 * Docker's default seccomp profile (moby profiles/seccomp/default.json), as data: deny by
 * default with EPERM, allow the syscalls ordinary programs use, and allow the dangerous ones
 * (namespaces, mounts, modules, keyrings are never allowed; bpf, ptrace of other processes'
 * memory, clock setting, ...) only when the container holds the capability that guards them in
 * the kernel anyway. Keep it in step with moby: it is what images are tested against. This is
 * moby's profile as of Docker 28.2: io_uring removed (moby#46762, Docker 25), Linux 6.5-6.7
 * syscalls added (moby#47341), Linux 6.8-6.13 syscalls added with the lsm_* ones behind
 * CAP_SYS_ADMIN (moby#50077, moby#50097).
 */

const words = (s: string): string[] => s.trim().split(/\s+/);

const EPERM = 1;
const ENOSYS = 38;
const AF_VSOCK = 40;
/** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: namespace creation via clone(2). */
const CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

/** Allowed for every container. */
const ALWAYS_ALLOWED = words(`
  accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
  clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
  clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat
  dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2
  epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group
  faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2
  fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr
  fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64
  futex futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat getcpu getcwd
  getdents getdents64
  getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer
  getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32
  getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt
  get_thread_area gettid gettimeofday getuid getuid32 getxattr getxattrat
  inotify_add_watch inotify_init inotify_init1 inotify_rm_watch
  io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get
  ioprio_set io_setup io_submit ipc kill
  landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr
  link linkat listen listmount listxattr listxattrat llistxattr _llseek lremovexattr lseek
  lsetxattr lstat lstat64 madvise map_shadow_stack membarrier memfd_create memfd_secret mincore
  mkdir mkdirat mknod mknodat
  mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open
  mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap
  mseal msgctl msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep
  newfstatat _newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2
  pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2
  prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2
  read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg
  remap_file_pages removexattr removexattrat rename renameat renameat2 restart_syscall rmdir rseq
  rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
  rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo
  sched_getaffinity sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min
  sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity
  sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select
  semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg
  sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32
  setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32
  setreuid setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area
  set_tid_address setuid setuid32 setxattr setxattrat shmat shmctl shmdt shmget shutdown sigaltstack
  signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat stat64 statfs
  statfs64 statmount statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time
  timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime
  timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime
  timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat
  uretprobe utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
`);

/** Syscalls a capability unlocks (moby's `includes.caps` rules), in moby's order. */
const BY_CAPABILITY: ReadonlyArray<[cap: string, names: string]> = [
  ["CAP_DAC_READ_SEARCH", "open_by_handle_at"],
  [
    "CAP_SYS_ADMIN",
    `bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie
     lsm_get_self_attr lsm_list_modules lsm_set_self_attr mount mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname
     sethostname setns syslog umount umount2 unshare`,
  ],
  ["CAP_SYS_BOOT", "reboot"],
  ["CAP_SYS_CHROOT", "chroot"],
  ["CAP_SYS_MODULE", "delete_module init_module finit_module"],
  ["CAP_SYS_PACCT", "acct"],
  ["CAP_SYS_PTRACE", "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace"],
  ["CAP_SYS_RAWIO", "iopl ioperm"],
  ["CAP_SYS_TIME", "settimeofday stime clock_settime clock_settime64"],
  ["CAP_SYS_TTY_CONFIG", "vhangup"],
  ["CAP_SYS_NICE", "get_mempolicy mbind set_mempolicy set_mempolicy_home_node"],
  ["CAP_SYSLOG", "syslog"],
  ["CAP_BPF", "bpf"],
  ["CAP_PERFMON", "perf_event_open"],
];

/** Syscalls only some architectures have or need (moby's `includes.arches` rules). */
const BY_ARCH: ReadonlyArray<[arches: string[], names: string]> = [
  [["ppc64le"], "sync_file_range2 swapcontext"],
  [["arm", "arm64"], "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls"],
  [["amd64", "x32"], "arch_prctl"],
  [["amd64", "x32", "x86"], "modify_ldt"],
  [["s390", "s390x"], "s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr"],
  [["riscv64"], "riscv_flush_icache riscv_hwprobe"],
];

const allow = (names: string[], more: Partial<DockerSeccompRule> = {}): DockerSeccompRule => ({
  names,
  action: "SCMP_ACT_ALLOW" as SeccompAction,
  ...more,
});
const withoutSysAdmin: DockerSeccompFilter = { caps: ["CAP_SYS_ADMIN"] };

/** The default profile in Docker's own format (conditions unresolved). */
export const DOCKER_DEFAULT_PROFILE: DockerSeccompProfile = {
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: EPERM,
  archMap: [
    { architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
    { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] },
    { architecture: "SCMP_ARCH_MIPS64", subArchitectures: ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"] },
    { architecture: "SCMP_ARCH_MIPS64N32", subArchitectures: ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"] },
    { architecture: "SCMP_ARCH_MIPSEL64", subArchitectures: ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"] },
    { architecture: "SCMP_ARCH_MIPSEL64N32", subArchitectures: ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"] },
    { architecture: "SCMP_ARCH_S390X", subArchitectures: ["SCMP_ARCH_S390"] },
    { architecture: "SCMP_ARCH_RISCV64", subArchitectures: null },
  ],
  syscalls: [
    allow(ALWAYS_ALLOWED),
    // Before 4.8 a ptraced process could bypass seccomp; moby only allows these from 4.8 on.
    allow(words("process_vm_readv process_vm_writev ptrace"), { includes: { minKernel: "4.8" } }),
    // vsock reaches the hypervisor host, outside the container's network namespace.
    allow(["socket"], { args: [{ index: 0, value: AF_VSOCK, op: "SCMP_CMP_NE" }] }),
    // personality: only the harmless domains (PER_LINUX, PER_LINUX32, UNAME26 variants, query).
    ...[0x0, 0x0008, 0x20000, 0x20008, 0xffffffff].map((v) =>
      allow(["personality"], { args: [{ index: 0, value: v, op: "SCMP_CMP_EQ" }] }),
    ),
    ...BY_ARCH.map(([arches, names]) => allow(words(names), { includes: { arches } })),
    ...BY_CAPABILITY.filter(([cap]) => cap === "CAP_DAC_READ_SEARCH" || cap === "CAP_SYS_ADMIN").map(([cap, names]) =>
      allow(words(names), { includes: { caps: [cap] } }),
    ),
    // Without CAP_SYS_ADMIN clone may not create namespaces (flags are arg 0, on s390 arg 1).
    allow(["clone"], {
      args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }],
      excludes: { caps: ["CAP_SYS_ADMIN"], arches: ["s390", "s390x"] },
    }),
    allow(["clone"], {
      args: [{ index: 1, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }],
      comment: "s390 parameter ordering for clone is different",
      includes: { arches: ["s390", "s390x"] },
      excludes: withoutSysAdmin,
    }),
    // clone3 passes its flags in memory seccomp cannot read: answer ENOSYS so libc falls back to clone.
    { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS, excludes: withoutSysAdmin },
    ...BY_CAPABILITY.filter(([cap]) => cap !== "CAP_DAC_READ_SEARCH" && cap !== "CAP_SYS_ADMIN").map(([cap, names]) =>
      allow(words(names), { includes: { caps: [cap] } }),
    ),
  ],
};

export interface DefaultSeccompOptions {
  /** The container's bounding set; Docker's default set when omitted. */
  capabilities?: readonly string[];
  /** Host architecture (x86_64, aarch64, ... or Node's x64/arm64); this host's when omitted. */
  arch?: string;
  /** Kernel release for the minKernel conditions; this host's when omitted. */
  kernelRelease?: string;
}

/** Docker's default profile resolved for one container: its capabilities, the host arch. */
export function defaultSeccompProfile(opts: DefaultSeccompOptions = {}): Seccomp {
  const capabilities = opts.capabilities ?? DOCKER_DEFAULT_CAPABILITIES;
  const arch = opts.arch ?? process.arch;
  const kernelRelease = opts.kernelRelease ?? hostKernelRelease();
  // Resolving (and checking) the whole profile costs ~0.1 ms and every container's create and
  // start builds a spec: cached by what it depends on (the capability set, not its order).
  const key = `${arch}\n${kernelRelease}\n${[...new Set(capabilities)].sort().join(",")}`;
  let profile = resolvedProfiles.get(key);
  if (!profile) {
    // The default profile always has a default action, so it always resolves. Frozen: every
    // caller gets the same object.
    profile = deepFreeze(resolveDockerProfile(DOCKER_DEFAULT_PROFILE, { capabilities, arch, kernelRelease })!);
    if (resolvedProfiles.size >= MAX_CACHED_PROFILES) resolvedProfiles.clear();
    resolvedProfiles.set(key, profile);
  }
  return profile;
}

/** Resolved default profiles by arch, kernel release and capability set (a handful in practice). */
const resolvedProfiles = new Map<string, Seccomp>();
const MAX_CACHED_PROFILES = 64;

let kernelRelease: string | undefined;

/** This host's kernel release (os.release(), a uname(2) per call), read once: it cannot change while running. */
export function hostKernelRelease(): string {
  return (kernelRelease ??= release());
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
