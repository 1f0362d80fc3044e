/*
 * realpath.c - realpath(3) for many paths that share directories (libc
 * only).
 *
 * A launch resolves every literal path of the policy (the parameters'
 * disjointness lists, the masks): dozens of paths below a handful of
 * directories, where realpath(3) looks at every component of every path
 * again, one readlink(2) each.  rt_realpath resolves a path's directory
 * once (kept in the caller's cache) and then looks at the last component
 * alone: the same answer in a fraction of the calls.
 *
 * The answer is realpath(3)'s by construction: for a canonical directory
 * D and a last component N that is neither "." nor "..", realpath(D/N) is
 * D/N unless D/N is a symbolic link, which goes to realpath(3) itself; a
 * path that is not plainly written (relative, "//", ".", "..", a trailing
 * slash) goes to realpath(3) too.  The cache holds what the file system
 * said during one batch of calls: the caller makes it, uses it for one
 * step of the launch, and drops it.
 */
#include "runtime.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Plainly written: absolute, no empty, "." or ".." component, no
 * trailing slash. */
static bool plain(const char *p)
{
        if (p[0] != '/')
                return false;
        if (p[1] == '\0')
                return true;
        for (const char *c = p; *c; c++) {
                if (*c != '/')
                        continue;
                const char *n = c + 1;
                if (*n == '\0' || *n == '/')
                        return false;
                if (n[0] == '.' && (n[1] == '/' || n[1] == '\0'))
                        return false;
                if (n[0] == '.' && n[1] == '.' && (n[2] == '/' || n[2] == '\0'))
                        return false;
        }
        return true;
}

static const char *cache_find(const rt_realpath_cache *c, const char *dir, size_t len)
{
        for (int i = 0; i < c->n; i++)
                if (strlen(c->dir[i]) == len && memcmp(c->dir[i], dir, len) == 0)
                        return c->real[i];
        return NULL;
}

/* The canonical form of the directory dir[0..len) into out, NULL (errno
 * set) when it does not resolve. */
static const char *resolve_dir(rt_realpath_cache *c, const char *dir, size_t len, char *out)
{
        if (len == 0)
                return strcpy(out, "/");
        const char *hit = cache_find(c, dir, len);
        if (hit)
                return strcpy(out, hit);
        char d[PATH_MAX];
        memcpy(d, dir, len);
        d[len] = '\0';
        if (!rt_realpath(c, d, out))
                return NULL;
        if (c->n < RT_REALPATH_CACHE) {
                char *k = malloc(len + 1), *v = strdup(out);
                if (k && v) {
                        memcpy(k, dir, len);
                        k[len] = '\0';
                        c->dir[c->n] = k;
                        c->real[c->n++] = v;
                } else {
                        free(k);
                        free(v);
                }
        }
        return out;
}

char *rt_realpath(rt_realpath_cache *c, const char *path, char *out)
{
        size_t len = strlen(path);
        if (!plain(path) || len >= PATH_MAX)
                return realpath(path, out);
        if (len == 1)
                return strcpy(out, "/");
        const char *slash = strrchr(path, '/');
        char dir[PATH_MAX];
        if (!resolve_dir(c, path, (size_t)(slash - path), dir))
                return NULL;
        size_t dl = strlen(dir), sl = strlen(slash);
        if (dl == 1)
                dl = 0; /* "/" + "/name" -> "/name" */
        if (dl + sl >= PATH_MAX)
                return realpath(path, out);
        memcpy(out, dir, dl);
        memcpy(out + dl, slash, sl + 1);
        struct stat st;
        if (lstat(out, &st) < 0)
                return NULL;
        if (S_ISLNK(st.st_mode))
                return realpath(path, out);
        return out;
}

void rt_realpath_cache_free(rt_realpath_cache *c)
{
        for (int i = 0; i < c->n; i++) {
                free(c->dir[i]);
                free(c->real[i]);
        }
        c->n = 0;
}
