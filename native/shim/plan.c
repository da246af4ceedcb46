/* Parses the launch plan (native/README.md, "Plan file format") into struct plan. */
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ns_names[NS_COUNT] = {"pid", "net", "ipc", "mnt", "uts", "user", "cgroup", "time"};
static const char *const cap_names[CAP_SETS] = {"bounding", "effective", "permitted", "inheritable", "ambient"};

struct ctx {
  struct plan *p;
  struct shim_err *e;
  const struct line *l;
  size_t cap; /* capacity of every array: the number of lines */
};

static int bad(struct ctx *c, const char *what) {
  return fail(c->e, "plan", EINVAL, "plan line %d (%s): %s", c->l->lineno, c->l->fields[0], what);
}

static int need(struct ctx *c, int n) {
  if (c->l->nfields != n + 1) {
    char m[64];
    snprintf(m, sizeof(m), "expected %d field%s, got %d", n, n == 1 ? "" : "s", c->l->nfields - 1);
    return bad(c, m);
  }
  return 0;
}

/* Grows nothing: arrays are sized by the line count, allocated on first use. */
static void *slot(struct ctx *c, void **arr, size_t *n, size_t size) {
  if (!*arr) {
    *arr = calloc(c->cap + 1, size);
    if (!*arr) { fail(c->e, "plan", ENOMEM, "out of memory"); return NULL; }
  }
  return (char *)*arr + size * (*n)++;
}
#define SLOT(c, arr, n) ((__typeof__(arr))slot((c), (void **)&(arr), &(n), sizeof(*(arr))))

static int flag01(struct ctx *c, int *out) {
  if (need(c, 1) < 0) return -1;
  const char *v = c->l->fields[1];
  if (!strcmp(v, "0")) *out = 0;
  else if (!strcmp(v, "1")) *out = 1;
  else return bad(c, "expected 0 or 1");
  return 0;
}

static int u64f(struct ctx *c, int idx, int base, uint64_t *out, const char *what) {
  if (parse_u64(c->l->fields[idx], base, out) < 0) {
    char m[96];
    snprintf(m, sizeof(m), "bad %s '%.40s'", what, c->l->fields[idx]);
    return bad(c, m);
  }
  return 0;
}

static int rlim_field(struct ctx *c, int idx, rlim_t *out) {
  if (!strcmp(c->l->fields[idx], "-1")) { *out = RLIM_INFINITY; return 0; }
  uint64_t v;
  if (u64f(c, idx, 10, &v, "limit") < 0) return -1;
  *out = (rlim_t)v;
  return 0;
}

static int idmap(struct ctx *c, struct plan_idmap **arr, size_t *n) {
  if (need(c, 3) < 0) return -1;
  struct plan_idmap *m = SLOT(c, *arr, *n);
  if (!m) return -1;
  if (u64f(c, 1, 10, &m->container, "container id") < 0 || u64f(c, 2, 10, &m->host, "host id") < 0 ||
      u64f(c, 3, 10, &m->size, "size") < 0)
    return -1;
  return 0;
}

static int path_list(struct ctx *c, const char ***arr, size_t *n) {
  if (need(c, 1) < 0) return -1;
  const char **s = SLOT(c, *arr, *n);
  if (!s) return -1;
  *s = c->l->fields[1];
  return 0;
}

static int parse_hook(struct ctx *c) {
  const struct line *l = c->l;
  if (l->nfields < 5) return bad(c, "expected phase, timeout_s, path, argc, args..., env...");
  struct plan_hook *h = SLOT(c, c->p->hooks, c->p->n_hooks);
  if (!h) return -1;
  const char *ph = l->fields[1];
  if (!strcmp(ph, "createRuntime")) h->phase = HOOK_CREATE_RUNTIME;
  else if (!strcmp(ph, "createContainer")) h->phase = HOOK_CREATE_CONTAINER;
  else if (!strcmp(ph, "startContainer")) h->phase = HOOK_START_CONTAINER;
  else return bad(c, "unknown hook phase");
  uint64_t t, argc;
  if (u64f(c, 2, 10, &t, "timeout") < 0 || u64f(c, 4, 10, &argc, "argc") < 0) return -1;
  h->timeout_s = (int)(t > 86400 ? 86400 : t);
  h->path = l->fields[3];
  if (h->path[0] != '/') return bad(c, "hook path must be absolute");
  size_t rest = (size_t)l->nfields - 5;
  if (argc > rest) return bad(c, "argc larger than the number of fields");
  size_t nenv = rest - argc;
  h->argv = calloc(argc + 2, sizeof(char *));
  h->envp = calloc(nenv + 1, sizeof(char *));
  if (!h->argv || !h->envp) return fail(c->e, "plan", ENOMEM, "out of memory");
  if (argc == 0) h->argv[0] = (char *)h->path;
  for (size_t i = 0; i < argc; i++) h->argv[i] = l->fields[5 + i];
  for (size_t i = 0; i < nenv; i++) h->envp[i] = l->fields[5 + argc + i];
  return 0;
}

static int parse_line(struct ctx *c) {
  struct plan *p = c->p;
  const struct line *l = c->l;
  const char *tag = l->fields[0];
  char **f = l->fields;
  uint64_t v;

  if (!strcmp(tag, "version")) {
    if (need(c, 1) < 0) return -1;
    if (strcmp(f[1], "1")) return bad(c, "unsupported plan version");
  } else if (!strcmp(tag, "id")) {
    if (need(c, 1) < 0) return -1;
    p->id = f[1];
  } else if (!strcmp(tag, "rootfs")) {
    if (need(c, 1) < 0) return -1;
    if (f[1][0] != '/') return bad(c, "rootfs must be an absolute path");
    p->rootfs = f[1];
  } else if (!strcmp(tag, "readonly_root")) {
    return flag01(c, &p->readonly_root);
  } else if (!strcmp(tag, "rootfs_propagation")) {
    if (need(c, 1) < 0 || u64f(c, 1, 10, &v, "flags") < 0) return -1;
    p->has_rootfs_propagation = 1;
    p->rootfs_propagation = (unsigned long)v;
  } else if (!strcmp(tag, "hostname") || !strcmp(tag, "domainname")) {
    if (need(c, 1) < 0) return -1;
    if (tag[0] == 'h') p->hostname = f[1]; else p->domainname = f[1];
  } else if (!strcmp(tag, "ns")) {
    if (need(c, 2) < 0) return -1;
    int k;
    for (k = 0; k < NS_COUNT; k++) if (!strcmp(f[1], ns_names[k])) break;
    if (k == NS_COUNT) return bad(c, "unknown namespace type");
    if (p->ns[k].present) return bad(c, "namespace listed twice");
    p->ns[k].present = 1;
    p->ns[k].path = f[2][0] ? f[2] : NULL;
  } else if (!strcmp(tag, "uid_map")) {
    return idmap(c, &p->uid_map, &p->n_uid_map);
  } else if (!strcmp(tag, "gid_map")) {
    return idmap(c, &p->gid_map, &p->n_gid_map);
  } else if (!strcmp(tag, "setgroups")) {
    if (need(c, 1) < 0) return -1;
    if (!strcmp(f[1], "deny")) p->setgroups_deny = 1;
    else if (!strcmp(f[1], "allow")) p->setgroups_deny = 0;
    else return bad(c, "expected allow or deny");
  } else if (!strcmp(tag, "mount")) {
    if (need(c, 6) < 0) return -1;
    struct plan_mount *m = SLOT(c, p->mounts, p->n_mounts);
    if (!m) return -1;
    m->dest = f[1]; m->type = f[2]; m->source = f[3]; m->data = f[6];
    if (m->dest[0] != '/') return bad(c, "mount destination must be absolute");
    if (u64f(c, 4, 10, &v, "flags") < 0) return -1;
    m->flags = (unsigned long)v;
    if (u64f(c, 5, 10, &v, "propagation") < 0) return -1;
    m->propagation = (unsigned long)v;
  } else if (!strcmp(tag, "device")) {
    if (need(c, 7) < 0) return -1;
    struct plan_device *d = SLOT(c, p->devices, p->n_devices);
    if (!d) return -1;
    d->path = f[1];
    if (d->path[0] != '/') return bad(c, "device path must be absolute");
    if (strlen(f[2]) != 1 || !strchr("cbpu", f[2][0])) return bad(c, "device type must be c, b, p or u");
    d->type = f[2][0];
    uint64_t ma, mi, mo, u, g;
    if (u64f(c, 3, 10, &ma, "major") < 0 || u64f(c, 4, 10, &mi, "minor") < 0 || u64f(c, 5, 8, &mo, "mode") < 0 ||
        u64f(c, 6, 10, &u, "uid") < 0 || u64f(c, 7, 10, &g, "gid") < 0)
      return -1;
    d->major = (unsigned)ma; d->minor = (unsigned)mi; d->mode = (mode_t)(mo & 07777);
    d->uid = (uid_t)u; d->gid = (gid_t)g;
  } else if (!strcmp(tag, "symlink")) {
    if (need(c, 2) < 0) return -1;
    struct plan_pair *s = SLOT(c, p->symlinks, p->n_symlinks);
    if (!s) return -1;
    s->a = f[1]; s->b = f[2];
    if (s->b[0] != '/') return bad(c, "symlink path must be absolute");
  } else if (!strcmp(tag, "masked")) {
    return path_list(c, &p->masked, &p->n_masked);
  } else if (!strcmp(tag, "readonly")) {
    return path_list(c, &p->readonly, &p->n_readonly);
  } else if (!strcmp(tag, "sysctl")) {
    if (need(c, 2) < 0) return -1;
    struct plan_pair *s = SLOT(c, p->sysctls, p->n_sysctls);
    if (!s) return -1;
    s->a = f[1]; s->b = f[2];
    if (strstr(s->a, "..") || strchr(s->a, '/')) return bad(c, "bad sysctl key");
  } else if (!strcmp(tag, "rlimit")) {
    if (need(c, 3) < 0) return -1;
    struct plan_rlimit *r = SLOT(c, p->rlimits, p->n_rlimits);
    if (!r) return -1;
    if (u64f(c, 1, 10, &v, "resource") < 0) return -1;
    if (v >= RLIM_NLIMITS) return bad(c, "unknown resource");
    r->resource = (int)v;
    if (rlim_field(c, 2, &r->soft) < 0 || rlim_field(c, 3, &r->hard) < 0) return -1;
  } else if (!strcmp(tag, "oom_score_adj")) {
    int64_t s;
    if (need(c, 1) < 0) return -1;
    if (parse_i64(f[1], &s) < 0 || s < -1000 || s > 1000) return bad(c, "expected an integer in -1000..1000");
    p->has_oom_score_adj = 1;
    p->oom_score_adj = (int)s;
  } else if (!strcmp(tag, "cgroup_procs")) {
    return path_list(c, &p->cgroup_procs, &p->n_cgroup_procs);
  } else if (!strcmp(tag, "seccomp")) {
    if (l->nfields != 2 && need(c, 2) < 0) return -1;
    p->seccomp = f[1];
    if (l->nfields == 3) {
      if (u64f(c, 2, 10, &v, "flags") < 0) return -1;
      if (v > 0xffff) return bad(c, "flags out of range");
      p->seccomp_flags = (unsigned)v;
    }
  } else if (!strcmp(tag, "no_new_privs")) {
    return flag01(c, &p->no_new_privs);
  } else if (!strcmp(tag, "caps")) {
    if (need(c, 2) < 0) return -1;
    int k;
    for (k = 0; k < CAP_SETS; k++) if (!strcmp(f[1], cap_names[k])) break;
    if (k == CAP_SETS) return bad(c, "unknown capability set");
    if (u64f(c, 2, 16, &v, "mask") < 0) return -1;
    p->has_caps = 1;
    p->caps[k] = v;
  } else if (!strcmp(tag, "user")) {
    uint64_t u, g;
    if (need(c, 2) < 0 || u64f(c, 1, 10, &u, "uid") < 0 || u64f(c, 2, 10, &g, "gid") < 0) return -1;
    if (u > 0xfffffffeu || g > 0xfffffffeu) return bad(c, "id out of range");
    p->has_user = 1; p->uid = (uid_t)u; p->gid = (gid_t)g;
  } else if (!strcmp(tag, "groups")) {
    size_t n = (size_t)l->nfields - 1;
    free(p->groups);
    p->groups = calloc(n + 1, sizeof(gid_t));
    if (!p->groups) return fail(c->e, "plan", ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
      if (u64f(c, (int)i + 1, 10, &v, "gid") < 0) return -1;
      if (v > 0xfffffffeu) return bad(c, "gid out of range");
      p->groups[i] = (gid_t)v;
    }
    p->has_groups = 1; p->n_groups = n;
  } else if (!strcmp(tag, "umask")) {
    if (need(c, 1) < 0 || u64f(c, 1, 8, &v, "umask") < 0) return -1;
    p->has_umask = 1; p->umask = (mode_t)(v & 0777);
  } else if (!strcmp(tag, "cwd")) {
    if (need(c, 1) < 0) return -1;
    if (f[1][0] != '/') return bad(c, "cwd must be absolute");
    p->cwd = f[1];
  } else if (!strcmp(tag, "arg")) {
    if (need(c, 1) < 0) return -1;
    char **s = SLOT(c, p->argv, p->n_argv);
    if (!s) return -1;
    *s = f[1];
  } else if (!strcmp(tag, "env")) {
    if (need(c, 1) < 0) return -1;
    if (!strchr(f[1], '=')) return bad(c, "expected KEY=VALUE");
    char **s = SLOT(c, p->envp, p->n_envp);
    if (!s) return -1;
    *s = f[1];
  } else if (!strcmp(tag, "terminal")) {
    return flag01(c, &p->terminal);
  } else if (!strcmp(tag, "console_size")) {
    uint64_t r, co;
    if (need(c, 2) < 0 || u64f(c, 1, 10, &r, "rows") < 0 || u64f(c, 2, 10, &co, "cols") < 0) return -1;
    if (r > 65535 || co > 65535) return bad(c, "size out of range");
    p->has_console_size = 1; p->rows = (unsigned short)r; p->cols = (unsigned short)co;
  } else if (!strcmp(tag, "stdin")) {
    return flag01(c, &p->stdin_open);
  } else if (!strcmp(tag, "stdin_once")) {
    return flag01(c, &p->stdin_once);
  } else if (!strcmp(tag, "hook")) {
    return parse_hook(c);
  } else if (!strcmp(tag, "state_json")) {
    if (need(c, 1) < 0) return -1;
    p->state_json = f[1];
  } else {
    return bad(c, "unknown tag");
  }
  return 0;
}

int plan_load(const char *path, struct plan *p, struct shim_err *e) {
  memset(p, 0, sizeof(*p));
  char msg[256];
  if (lines_read_file(path, &p->lines, msg, sizeof(msg)) < 0) return fail(e, "plan", errno, "%s", msg);
  struct ctx c = {.p = p, .e = e, .cap = p->lines.nlines};
  if (p->lines.nlines == 0 || strcmp(p->lines.items[0].fields[0], "version"))
    { plan_free(p); return fail(e, "plan", EINVAL, "plan %s: first line must be 'version'", path); }
  for (size_t i = 0; i < p->lines.nlines; i++) {
    c.l = &p->lines.items[i];
    if (parse_line(&c) < 0) { plan_free(p); return -1; }
  }
  if (p->n_argv == 0) { plan_free(p); return fail(e, "plan", EINVAL, "plan %s: no 'arg' line (nothing to run)", path); }
  if ((p->n_uid_map || p->n_gid_map) && !(p->ns[NS_USER].present && !p->ns[NS_USER].path)) {
    plan_free(p);
    return fail(e, "plan", EINVAL, "plan %s: uid_map/gid_map need a new user namespace (ns user with empty path)", path);
  }
  if (p->ns[NS_USER].present && !p->ns[NS_USER].path && (!p->n_uid_map || !p->n_gid_map)) {
    plan_free(p);
    return fail(e, "plan", EINVAL, "plan %s: a new user namespace needs uid_map and gid_map lines", path);
  }
  return 0;
}

void plan_free(struct plan *p) {
  for (size_t i = 0; i < p->n_hooks; i++) { free(p->hooks[i].argv); free(p->hooks[i].envp); }
  free(p->hooks);
  free(p->uid_map); free(p->gid_map); free(p->mounts); free(p->devices); free(p->symlinks);
  free(p->masked); free(p->readonly); free(p->sysctls); free(p->rlimits); free(p->cgroup_procs);
  free(p->groups); free(p->argv); free(p->envp); free(p->seccomp_prog);
  lines_free(&p->lines);
  memset(p, 0, sizeof(*p));
}

const char *plan_getenv(const struct plan *p, const char *key) {
  size_t kl = strlen(key);
  for (size_t i = 0; i < p->n_envp; i++)
    if (!strncmp(p->envp[i], key, kl) && p->envp[i][kl] == '=') return p->envp[i] + kl + 1;
  return NULL;
}

char *plan_state_json(const struct plan *p, pid_t pid) {
  const char *s = p->state_json ? p->state_json : "{}";
  const char *hit = strstr(s, "\"pid\":0");
  char *out;
  if (!hit) { out = strdup(s); return out; }
  size_t pre = (size_t)(hit - s);
  size_t len = strlen(s) + 24;
  out = malloc(len);
  if (!out) return NULL;
  snprintf(out, len, "%.*s\"pid\":%d%s", (int)pre, s, (int)pid, hit + strlen("\"pid\":0"));
  return out;
}
