/* Turns the flat profile's lines into libseccomp calls. The TypeScript side has validated the
 * profile against the OCI spec; this file checks the syntax again (a helper must never act on
 * a half-understood input) and maps names to libseccomp's constants. */
#include "filter.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 6

struct rule_action {
  const char *name;
  int has_data; /* errno / trace carry a 16-bit value */
};

static const struct rule_action ACTIONS[] = {
  {"allow", 0}, {"errno", 1}, {"kill", 0}, {"kill_process", 0}, {"trap", 0}, {"log", 0}, {"trace", 1},
};

static const struct {
  const char *name;
  enum scmp_compare op;
} OPERATORS[] = {
  {"ne", SCMP_CMP_NE}, {"lt", SCMP_CMP_LT}, {"le", SCMP_CMP_LE}, {"eq", SCMP_CMP_EQ},
  {"ge", SCMP_CMP_GE}, {"gt", SCMP_CMP_GT}, {"masked_eq", SCMP_CMP_MASKED_EQ},
};

/* Strict decimal uint64: digits only, no sign, no overflow. */
static int parse_u64(const char *s, uint64_t *out) {
  if (*s < '0' || *s > '9') return -1;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end) return -1;
  *out = v;
  return 0;
}

/* Parses an action name and its data field into a libseccomp action. */
static int parse_action(const char *name, const char *data, uint32_t *out, char *err, size_t errlen, int lineno) {
  size_t n = sizeof(ACTIONS) / sizeof(ACTIONS[0]);
  size_t i;
  for (i = 0; i < n; i++) if (strcmp(ACTIONS[i].name, name) == 0) break;
  if (i == n) { snprintf(err, errlen, "line %d: unknown action \"%s\"", lineno, name); return -1; }
  uint64_t v = 0;
  if (ACTIONS[i].has_data) {
    if (!data || parse_u64(data, &v) < 0 || v > 0xffff) {
      snprintf(err, errlen, "line %d: action %s needs a number from 0 to 65535", lineno, name); return -1;
    }
  }
  switch (i) {
  case 0: *out = SCMP_ACT_ALLOW; break;
  case 1: *out = SCMP_ACT_ERRNO((uint32_t)v); break;
  case 2: *out = SCMP_ACT_KILL_THREAD; break;
  case 3: *out = SCMP_ACT_KILL_PROCESS; break;
  case 4: *out = SCMP_ACT_TRAP; break;
  case 5: *out = SCMP_ACT_LOG; break;
  default: *out = SCMP_ACT_TRACE((uint32_t)v); break;
  }
  return 0;
}

/* "<index>,<op>,<value>,<valueTwo>" -> comparator. */
static int parse_arg(char *s, struct scmp_arg_cmp *out, char *err, size_t errlen, int lineno) {
  char *parts[4];
  int n = 0;
  for (char *p = s; n < 4; ) {
    parts[n++] = p;
    char *c = strchr(p, ',');
    if (!c) break;
    *c = '\0';
    p = c + 1;
  }
  uint64_t index, a, b;
  if (n != 4 || parse_u64(parts[0], &index) < 0 || index >= MAX_ARGS || parse_u64(parts[2], &a) < 0 || parse_u64(parts[3], &b) < 0) {
    snprintf(err, errlen, "line %d: bad argument condition (want index,op,value,valueTwo)", lineno); return -1;
  }
  size_t nops = sizeof(OPERATORS) / sizeof(OPERATORS[0]);
  size_t i;
  for (i = 0; i < nops; i++) if (strcmp(OPERATORS[i].name, parts[1]) == 0) break;
  if (i == nops) { snprintf(err, errlen, "line %d: unknown operator \"%s\"", lineno, parts[1]); return -1; }
  out->arg = (unsigned int)index;
  out->op = OPERATORS[i].op;
  out->datum_a = a;
  out->datum_b = b;
  return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t def, const struct line *l, char *err, size_t errlen) {
  if (l->nfields < 4) { snprintf(err, errlen, "line %d: rule needs action, data and syscall", l->lineno); return -1; }
  if (l->nfields - 4 > MAX_ARGS) { snprintf(err, errlen, "line %d: more than %d argument conditions", l->lineno, MAX_ARGS); return -1; }
  uint32_t act;
  if (parse_action(l->fields[1], l->fields[2], &act, err, errlen, l->lineno) < 0) return -1;
  uint64_t ignored;
  if (parse_u64(l->fields[2], &ignored) < 0) { snprintf(err, errlen, "line %d: bad data field \"%s\"", l->lineno, l->fields[2]); return -1; }
  struct scmp_arg_cmp args[MAX_ARGS];
  int nargs = l->nfields - 4;
  unsigned per_index[MAX_ARGS] = {0};
  int repeated = 0;
  for (int i = 0; i < nargs; i++) {
    if (parse_arg(l->fields[4 + i], &args[i], err, errlen, l->lineno) < 0) return -1;
    if (++per_index[args[i].arg] > 1) repeated = 1;
  }
  const char *name = l->fields[3];
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return 0; /* unknown to this libseccomp: skip, as runc does */
  if (act == def) return 0;             /* libseccomp refuses rules equal to the default */
  int rc = 0;
  if (repeated) {
    /* Two conditions on one argument can never both hold under libseccomp's AND; runc then adds
     * each condition as its own rule (OR). Do the same so Docker profiles mean the same here. */
    for (int i = 0; i < nargs; i++) {
      rc = seccomp_rule_add_array(ctx, act, nr, 1, &args[i]);
      if (rc < 0) break;
    }
  } else {
    rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)nargs, nargs ? args : NULL);
  }
  if (rc < 0) { snprintf(err, errlen, "line %d: add rule for %s: %s", l->lineno, name, strerror(-rc)); return -1; }
  return 0;
}

scmp_filter_ctx filter_build(const struct lines *profile, uint32_t *def_action, char *err, size_t errlen) {
  const struct line *def_line = NULL;
  for (size_t i = 0; i < profile->nlines; i++) {
    const struct line *l = &profile->items[i];
    if (strcmp(l->fields[0], "default") != 0) continue;
    if (def_line) { snprintf(err, errlen, "line %d: second default line", l->lineno); return NULL; }
    def_line = l;
  }
  if (!def_line) { snprintf(err, errlen, "no default line"); return NULL; }
  if (def_line->nfields > 3) { snprintf(err, errlen, "line %d: default takes an action and an optional number", def_line->lineno); return NULL; }
  uint32_t def;
  if (parse_action(def_line->fields[1] ? def_line->fields[1] : "", def_line->nfields > 2 ? def_line->fields[2] : NULL, &def, err, errlen, def_line->lineno) < 0)
    return NULL;
  *def_action = def;

  scmp_filter_ctx ctx = seccomp_init(def);
  if (!ctx) { snprintf(err, errlen, "seccomp_init: default action not supported by this libseccomp or kernel"); return NULL; }
  /* A binary tree of syscall numbers instead of a linear scan: fewer instructions run per
   * syscall for profiles as long as Docker's default. */
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (rc < 0) { snprintf(err, errlen, "seccomp_attr_set optimize: %s", strerror(-rc)); goto fail; }

  /* Architectures first: libseccomp gives a rule only to the architectures present when it is added. */
  for (size_t i = 0; i < profile->nlines; i++) {
    const struct line *l = &profile->items[i];
    if (strcmp(l->fields[0], "arch") != 0) continue;
    if (l->nfields != 2) { snprintf(err, errlen, "line %d: arch takes one name", l->lineno); goto fail; }
    uint32_t token = seccomp_arch_resolve_name(l->fields[1]);
    if (token == 0) { snprintf(err, errlen, "line %d: unknown architecture \"%s\"", l->lineno, l->fields[1]); goto fail; }
    rc = seccomp_arch_add(ctx, token);
    /* The native arch is in every new filter already (runc keeps it too). */
    if (rc < 0 && rc != -EEXIST) { snprintf(err, errlen, "line %d: add architecture %s: %s", l->lineno, l->fields[1], strerror(-rc)); goto fail; }
  }
  for (size_t i = 0; i < profile->nlines; i++) {
    const struct line *l = &profile->items[i];
    const char *tag = l->fields[0];
    if (strcmp(tag, "default") == 0 || strcmp(tag, "arch") == 0) continue;
    if (strcmp(tag, "rule") != 0) { snprintf(err, errlen, "line %d: unknown tag \"%s\"", l->lineno, tag); goto fail; }
    if (add_rule(ctx, def, l, err, errlen) < 0) goto fail;
  }
  return ctx;
fail:
  seccomp_release(ctx);
  return NULL;
}
