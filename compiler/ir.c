/*
 * ir.c - small pieces of the IR's meaning every stage shares: the order of
 * syscall actions, and how paths, host patterns and URL globs match.  The
 * reference evaluator (eval.c) is built from these; so will the backends'
 * tests be, so one definition of "matches" serves all.
 */
#include "ir.h"

#include <string.h>

const char *ir_action_str(ir_action a, char *buf, size_t n)
{
	if (a.kind == ACT_ERRNO) {
		const char *name = errno_name(a.errno_val);
		if (name)
			snprintf(buf, n, "errno(%s)", name);
		else
			snprintf(buf, n, "errno(%d)", a.errno_val);
	} else {
		snprintf(buf, n, "%s", action_name(a.kind));
	}
	return buf;
}

/* Kernel precedence: kill > trap > errno > notify(user_notif) > log > allow.
 * Between two errnos the kernel takes the one whose filter ran last; we
 * compile one filter, so pick the lower errno to stay deterministic. */
ir_action ir_action_stricter(ir_action a, ir_action b)
{
	if (a.kind != b.kind)
		return a.kind > b.kind ? a : b;
	if (a.kind == ACT_ERRNO && b.errno_val < a.errno_val)
		return b;
	return a;
}

/* A rule on a directory covers everything beneath it: "/a" covers "/a" and
 * "/a/b", not "/ab".  "/" covers every path. */
bool path_covers(const char *rule, const char *path)
{
	size_t n = strlen(rule);
	if (n == 1 && rule[0] == '/')
		return path[0] == '/';
	return strncmp(rule, path, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* Match host labels right to left.  "*" matches exactly one label, "**" (only
 * as the first label) one or more labels. */
bool host_matches(const char *pattern, const char *host)
{
	if (!strncmp(pattern, "**.", 3)) {
		const char *rest = pattern + 3;
		/* host must end with ".rest", with at least one label before it */
		size_t hl = strlen(host), rl = strlen(rest);
		if (hl <= rl + 1)
			return false;
		const char *tail = host + hl - rl;
		if (tail[-1] != '.')
			return false;
		return host_matches(rest, tail);
	}
	for (;;) {
		const char *pd = strchr(pattern, '.');
		const char *hd = strchr(host, '.');
		size_t pl = pd ? (size_t)(pd - pattern) : strlen(pattern);
		size_t hl = hd ? (size_t)(hd - host) : strlen(host);
		if (hl == 0)
			return false;
		if (!(pl == 1 && pattern[0] == '*') &&
		    (pl != hl || strncmp(pattern, host, pl) != 0))
			return false;
		if (!pd || !hd)
			return !pd && !hd;
		pattern = pd + 1;
		host = hd + 1;
	}
}

/* URL path globs: "*" matches any run of characters within one segment,
 * "**" as a whole segment matches zero or more whole segments. */
bool url_glob_matches(const char *g, const char *p)
{
	while (*g) {
		if (!strcmp(g, "/**") && *p == 0)
			return true; /* "/repos/ then globstar" also covers /repos */
		if (g[0] == '*' && g[1] == '*' && (g[2] == 0 || g[2] == '/')) {
			const char *rest = g[2] ? g + 3 : g + 2; /* past the globstar and its slash */
			if (!*rest)
				return true; /* trailing ** matches anything left */
			for (const char *s = p;; s++) {
				if ((s == p || s[-1] == '/') && url_glob_matches(rest, s))
					return true;
				if (!*s)
					return false;
			}
		}
		if (*g == '*') {
			for (const char *s = p;; s++) {
				if (url_glob_matches(g + 1, s))
					return true;
				if (!*s || *s == '/')
					return false;
			}
		}
		if (*g != *p)
			return false;
		g++;
		p++;
	}
	return *p == 0;
}
