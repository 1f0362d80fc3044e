/*
 * params.c - the launch parameters of one run: their values, and the check
 * that keeps the verifier's proof true (libc only).
 *
 * A policy names paths through parameters ($WORKDIR, $HOME, declared
 * ones).  The verifier proved the policy assuming each parameter's value is
 * disjoint from every literal path the policy names: neither an ancestor
 * nor a descendant of one, nor equal (DESIGN §2.3).  The bundle lists,
 * per parameter, those literal paths; this file picks each value (--param,
 * else the declared default, else the built-in: the current directory for
 * WORKDIR, $HOME for HOME), resolves it with realpath(3) (it must exist and
 * be absolute; symlinks are followed, since Landlock and the mounts act on
 * what the path resolves to), and refuses a value that breaks the
 * assumption.  A literal path is compared both as written and as it
 * resolves, so a symlink in the policy's own paths cannot hide an overlap.
 * The agent never starts with a value the proof did not cover.
 */
#include "runtime.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -1;
}

bool path_is_within(const char *a, const char *b)
{
        size_t n = strlen(a);
        if (!strcmp(a, "/"))
                return b[0] == '/';
        return !strncmp(a, b, n) && (b[n] == '\0' || b[n] == '/');
}

/* ---- lookups ---- */

static int given_index(const rt_params *p, const char *name)
{
        for (int i = 0; i < p->n; i++)
                if (!strcmp(p->names[i], name))
                        return i;
        return -1;
}

static bool is_builtin_name(const char *name)
{
        return !strcmp(name, "WORKDIR") || !strcmp(name, "HOME");
}

static const oshb_param *declared(const oshb_bundle *b, const char *name)
{
        for (uint32_t i = 0; i < b->nparams; i++)
                if (!strcmp(b->params[i].name, name))
                        return &b->params[i];
        return NULL;
}

const char *params_get(const rt_params *p, const char *name)
{
        int i = given_index(p, name);
        return i < 0 ? NULL : p->values[i];
}

void params_free(rt_params *p)
{
        for (int i = 0; i < p->n; i++) {
                free(p->owned[i]);
                p->owned[i] = NULL;
        }
        p->n = 0;
}

/* ---- the given names ---- */

/* Every --param names a parameter of the bundle (or a built-in), once. */
static int check_given(const oshb_bundle *b, const rt_params *given, char *err, size_t errlen)
{
        for (int i = 0; i < given->n; i++) {
                const char *name = given->names[i];
                if (!declared(b, name) && !is_builtin_name(name))
                        return refuse(err, errlen,
                                      "--param %s: the policy %s has no parameter named %s "
                                      "(`oshc inspect BUNDLE` lists them): "
                                      "check the spelling or drop it",
                                      name, b->meta.policy ? b->meta.policy : "?", name);
                if (given_index(given, name) != i)
                        return refuse(err, errlen,
                                      "--param %s is given twice: give each parameter once", name);
        }
        return 0;
}

/* ---- one value ---- */

static const char *policy_name(const oshb_bundle *b)
{
        return b->meta.policy ? b->meta.policy : "?";
}

/* The built-in default of WORKDIR or HOME; NULL with a message. */
static const char *builtin_value(const char *name, char *cwd, size_t cwdlen, char *err,
                                 size_t errlen)
{
        if (!strcmp(name, "WORKDIR")) {
                if (getcwd(cwd, cwdlen))
                        return cwd;
                refuse(err, errlen,
                       "parameter $WORKDIR: getcwd() failed (%s): run osh-run from an existing "
                       "directory or give --param WORKDIR=PATH",
                       strerror(errno));
                return NULL;
        }
        const char *home = getenv("HOME");
        if (home && *home)
                return home;
        refuse(err, errlen,
               "parameter $HOME: the environment has no HOME: set HOME or give --param HOME=PATH");
        return NULL;
}

/* The value before resolution: --param, else the declared default, else
 * the built-in.  NULL with a message when there is none. */
static const char *raw_value(const oshb_bundle *b, const oshb_param *d, const rt_params *given,
                             char *cwd, size_t cwdlen, char *err, size_t errlen)
{
        int g = given_index(given, d->name);
        if (g >= 0)
                return given->values[g];
        if (d->def)
                return d->def;
        if (is_builtin_name(d->name))
                return builtin_value(d->name, cwd, cwdlen, err, errlen);
        refuse(err, errlen,
               "parameter $%s has no default in policy %s and no --param gave it: give it with "
               "--param %s=PATH",
               d->name, policy_name(b), d->name);
        return NULL;
}

/* realpath(raw), malloc'd; NULL with a message unless raw is absolute and
 * exists. */
static char *resolve_value(const char *name, const char *raw, char *err, size_t errlen)
{
        if (raw[0] != '/') {
                refuse(err, errlen,
                       "parameter $%s=%s is not an absolute path: give an absolute path (a "
                       "relative one would depend on where osh-run is started)",
                       name, raw);
                return NULL;
        }
        char *real = realpath(raw, NULL);
        if (!real) {
                refuse(err, errlen,
                       "parameter $%s=%s: realpath() failed (%s): the path must exist before "
                       "launch; create it or choose another",
                       name, raw, strerror(errno));
                return NULL;
        }
        /* realpath's contract: absolute, no ".", "..", "//", symlink or
         * trailing slash.  The disjointness check relies on it. */
        if (real[0] != '/' || strstr(real, "//") || strstr(real, "/./") || strstr(real, "/../")) {
                refuse(err, errlen, "parameter $%s=%s: realpath() returned %s, not canonical", name,
                       raw, real);
                free(real);
                return NULL;
        }
        return real;
}

/* Is value disjoint from the literal path lit (as written and as it
 * resolves)?  -1 with the refusal when it is not. */
static int check_disjoint(rt_realpath_cache *rc, const char *name, const char *value,
                          const char *lit, char *err, size_t errlen)
{
        char real[PATH_MAX];
        const char *forms[2] = {lit, rt_realpath(rc, lit, real)};
        for (int i = 0; i < 2; i++) {
                const char *l = forms[i];
                if (!l)
                        continue;
                const char *how = !strcmp(l, value)          ? "equals"
                                  : path_is_within(l, value) ? "lies inside"
                                  : path_is_within(value, l) ? "contains"
                                                             : NULL;
                if (!how)
                        continue;
                char via[PATH_MAX + 32] = "";
                if (i == 1 && strcmp(l, lit))
                        snprintf(via, sizeof via, " (%s resolves to %s)", lit, l);
                return refuse(err, errlen,
                              "parameter $%s=%s %s %s, a path the policy names%s; the verifier's "
                              "proof assumed it does not: choose another directory",
                              name, value, how, lit, via);
        }
        return 0;
}

static int resolve_one(const oshb_bundle *b, const oshb_param *d, const rt_params *given,
                       rt_realpath_cache *rc, char **out, char *err, size_t errlen)
{
        char cwd[PATH_MAX];
        const char *raw = raw_value(b, d, given, cwd, sizeof cwd, err, errlen);
        if (!raw)
                return -1;
        char *value = resolve_value(d->name, raw, err, errlen);
        if (!value)
                return -1;
        for (uint32_t j = 0; j < d->ndisjoint; j++)
                if (check_disjoint(rc, d->name, value, d->disjoint[j], err, errlen) < 0) {
                        free(value);
                        return -1;
                }
        *out = value;
        return 0;
}

/* ---- the whole table ---- */

int params_resolve(const oshb_bundle *b, rt_params *given, char *err, size_t errlen)
{
        if (b->nparams > OSHB_MAX_PARAMS)
                return refuse(err, errlen, "bundle declares %u parameters, over the limit %d",
                              b->nparams, OSHB_MAX_PARAMS);
        if (check_given(b, given, err, errlen) < 0)
                return -1;
        rt_params out = {0};
        rt_realpath_cache rc = {0};
        for (uint32_t i = 0; i < b->nparams; i++) {
                const oshb_param *d = &b->params[i];
                if (resolve_one(b, d, given, &rc, &out.owned[out.n], err, errlen) < 0) {
                        rt_realpath_cache_free(&rc);
                        params_free(&out);
                        return -1;
                }
                out.names[out.n] = d->name;
                out.values[out.n] = out.owned[out.n];
                out.n++;
        }
        rt_realpath_cache_free(&rc);
        params_free(given);
        *given = out;
        return 0;
}

/* ---- expansion ---- */

static const char *join(const char *value, const char *suffix, char *buf, size_t len)
{
        /* "/" + "/sub" is "/sub", not "//sub" */
        if (!strcmp(value, "/") && suffix[0] == '/')
                value = "";
        int n = snprintf(buf, len, "%s%s", value, suffix);
        return n < 0 || (size_t)n >= len ? NULL : buf;
}

const char *params_expand(const rt_params *p, const char *param, const char *path, char *buf,
                          size_t len)
{
        if (param) {
                const char *v = params_get(p, param);
                return v ? join(v, path, buf, len) : NULL;
        }
        if (path[0] != '$')
                return join("", path, buf, len);
        size_t n = strcspn(path + 1, "/");
        char name[256];
        if (n == 0 || n >= sizeof name)
                return NULL;
        memcpy(name, path + 1, n);
        name[n] = '\0';
        const char *v = params_get(p, name);
        return v ? join(v, path + 1 + n, buf, len) : NULL;
}
