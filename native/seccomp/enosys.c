/* Why: a profile is a list of syscalls known when it was written. A newer libc tries newer
 * syscalls first (clone3, fchmodat2, ...) and falls back only on ENOSYS; under a deny-by-default
 * profile it would get EPERM and fail. runc therefore answers ENOSYS for every syscall number
 * above the largest one the profile names, per architecture; Docker users rely on it, so berth
 * does the same, as a prologue in front of libseccomp's program. Layout:
 *
 *     ld arch; jeq A1 -> S1; jeq A2 -> S2; ...; ja FILTER
 *     S_i: ld nr; [mode checks]; jgt max_i -> ENOSYS; ja FILTER
 *     ENOSYS: ret ERRNO(ENOSYS)
 *     FILTER: libseccomp's program (it reloads what it needs)
 */
#include "enosys.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define X32_SYSCALL_BIT 0x40000000u
#define MAX_GROUPS 16

/* One native architecture as the kernel reports it (x86_64 and x32 share AUDIT_ARCH_X86_64). */
struct group {
  uint32_t audit;
  uint32_t max;     /* largest syscall number named, for the plain ABI (0 = none) */
  uint32_t max_x32; /* x86_64 only: the same for x32 (numbers carry X32_SYSCALL_BIT) */
  int s390;         /* s390 multiplexes unknown syscalls through number 0 */
};

static int is_permissive(uint32_t act) {
  return act == SCMP_ACT_ALLOW || act == SCMP_ACT_LOG || (act & 0xffff0000u) == SCMP_ACT_TRACE(0);
}

/* The largest number any rule's syscall has on this arch; negative (pseudo or unknown) ignored. */
static uint32_t largest_syscall(const struct lines *profile, uint32_t token) {
  uint32_t max = 0;
  for (size_t i = 0; i < profile->nlines; i++) {
    const struct line *l = &profile->items[i];
    if (strcmp(l->fields[0], "rule") != 0 || l->nfields < 4) continue;
    int nr = seccomp_syscall_resolve_name_arch(token, l->fields[3]);
    if (nr >= 0 && (uint32_t)nr > max) max = (uint32_t)nr;
  }
  return max;
}

static size_t section_len(const struct group *g) {
  if (g->audit == AUDIT_ARCH_X86_64) return g->max && g->max_x32 ? 5 : 4;
  return g->s390 ? 4 : 3;
}

struct emitter {
  struct sock_filter *out;
  size_t pc;
  int overflow;
};

static void stmt(struct emitter *e, uint16_t code, uint32_t k) {
  e->out[e->pc++] = (struct sock_filter)BPF_STMT(code, k);
}

/* Conditional jump to absolute targets (classic BPF offsets are 8-bit and forward only). */
static void jump(struct emitter *e, uint16_t cond, uint32_t k, size_t t_true, size_t t_false) {
  size_t base = e->pc + 1;
  if (t_true < base || t_false < base || t_true - base > 255 || t_false - base > 255) e->overflow = 1;
  e->out[e->pc++] = (struct sock_filter)BPF_JUMP(BPF_JMP | cond | BPF_K, k, (uint8_t)(t_true - base), (uint8_t)(t_false - base));
}

static void jump_always(struct emitter *e, size_t target) {
  stmt(e, BPF_JMP | BPF_JA, (uint32_t)(target - (e->pc + 1)));
}

int enosys_stub(const struct lines *profile, uint32_t def_action, struct sock_filter *out, size_t *n, char *err, size_t errlen) {
  *n = 0;
  if (is_permissive(def_action) || def_action == SCMP_ACT_ERRNO(ENOSYS)) return 0;

  struct group groups[MAX_GROUPS];
  size_t ng = 0;
  for (size_t i = 0; i < profile->nlines; i++) {
    const struct line *l = &profile->items[i];
    if (strcmp(l->fields[0], "arch") != 0 || l->nfields != 2) continue;
    uint32_t token = seccomp_arch_resolve_name(l->fields[1]);
    if (token == 0) continue; /* filter_build has refused it already */
    uint32_t max = largest_syscall(profile, token);
    if (max == 0) continue; /* nothing named on this arch: leave it to the filter, as runc */
    uint32_t audit = token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
    size_t g;
    for (g = 0; g < ng; g++) if (groups[g].audit == audit) break;
    if (g == ng) {
      if (ng == MAX_GROUPS) { snprintf(err, errlen, "too many architectures"); return -1; }
      memset(&groups[ng], 0, sizeof groups[ng]);
      groups[ng].audit = audit;
      groups[ng].s390 = audit == AUDIT_ARCH_S390 || audit == AUDIT_ARCH_S390X;
      ng++;
    }
    if (token == SCMP_ARCH_X32) groups[g].max_x32 = max;
    else groups[g].max = max;
  }
  if (ng == 0) return 0;

  /* Addresses first, so every jump can be emitted with its final offset. */
  size_t section[MAX_GROUPS];
  size_t pos = 1 + ng + 1;
  for (size_t g = 0; g < ng; g++) { section[g] = pos; pos += section_len(&groups[g]); }
  const size_t enosys = pos, filter = pos + 1;
  if (filter > ENOSYS_STUB_MAX) { snprintf(err, errlen, "ENOSYS prologue too long"); return -1; }

  struct emitter e = { out, 0, 0 };
  stmt(&e, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  for (size_t g = 0; g < ng; g++) jump(&e, BPF_JEQ, groups[g].audit, section[g], e.pc + 1);
  jump_always(&e, filter);
  for (size_t g = 0; g < ng; g++) {
    const struct group *gr = &groups[g];
    stmt(&e, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    if (gr->audit == AUDIT_ARCH_X86_64 && gr->max && gr->max_x32) {
      size_t x32_check = e.pc + 2, done = e.pc + 3;
      jump(&e, BPF_JSET, X32_SYSCALL_BIT, x32_check, e.pc + 1);
      jump(&e, BPF_JGT, gr->max, enosys, done);
      jump(&e, BPF_JGT, gr->max_x32, enosys, done);
    } else if (gr->audit == AUDIT_ARCH_X86_64) {
      /* Only one of the two ABIs is in the profile: the other goes straight to the filter. */
      size_t done = e.pc + 2;
      if (gr->max) jump(&e, BPF_JSET, X32_SYSCALL_BIT, done, e.pc + 1);
      else jump(&e, BPF_JSET, X32_SYSCALL_BIT, e.pc + 1, done);
      jump(&e, BPF_JGT, gr->max ? gr->max : gr->max_x32, enosys, done);
    } else {
      /* s390: an unknown syscall arrives as number 0 (the long-gone setup(2)). */
      if (gr->s390) jump(&e, BPF_JEQ, 0, enosys, e.pc + 1);
      jump(&e, BPF_JGT, gr->max, enosys, e.pc + 1);
    }
    jump_always(&e, filter);
  }
  stmt(&e, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
  if (e.overflow || e.pc != filter) { snprintf(err, errlen, "internal error laying out the ENOSYS prologue"); return -1; }
  *n = e.pc;
  return 0;
}
