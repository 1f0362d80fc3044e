/*
 * ids.c - user and group names read from /etc/passwd and /etc/group
 * directly (libc only, no NSS).
 *
 * osh-run is linked statically: a launch then costs no dynamic loading
 * (about 0.5 ms of every launch, docs/runtime.md "Launch cost").  glibc's
 * getpwnam and getgrnam in a static binary would load the NSS modules at
 * run time anyway, from the shared libraries of whatever glibc the host
 * has; so osh-run reads the two files itself.  The price: a user or group
 * known only to NSS (LDAP, sssd, systemd's dynamic users) cannot be named
 * in a policy; give its number instead.
 */
#include "runtime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Field `want` (0-based) of a colon-separated line, into out. */
static bool field(const char *line, int want, char *out, size_t len)
{
        for (int i = 0; i < want; i++) {
                line = strchr(line, ':');
                if (!line)
                        return false;
                line++;
        }
        size_t n = strcspn(line, ":\n");
        if (n >= len)
                return false;
        memcpy(out, line, n);
        out[n] = '\0';
        return true;
}

static bool parse_id(const char *s, unsigned *id)
{
        char *end;
        errno = 0;
        unsigned long n = strtoul(s, &end, 10);
        if (!*s || *end || errno || n >= 0xffffffffUL)
                return false;
        *id = (unsigned)n;
        return true;
}

int ids_by_name(const char *file, const char *name, unsigned *id)
{
        FILE *f = fopen(file, "re");
        if (!f)
                return -1;
        char line[1024], n[256], num[32];
        int rc = -1;
        while (rc < 0 && fgets(line, sizeof line, f))
                if (field(line, 0, n, sizeof n) && !strcmp(n, name) &&
                    field(line, 2, num, sizeof num) && parse_id(num, id))
                        rc = 0;
        fclose(f);
        return rc;
}

bool ids_name(const char *file, unsigned id, char *buf, size_t len)
{
        FILE *f = fopen(file, "re");
        if (!f)
                return false;
        char line[1024], num[32];
        unsigned got;
        bool found = false;
        while (!found && fgets(line, sizeof line, f))
                found = field(line, 2, num, sizeof num) && parse_id(num, &got) && got == id &&
                        field(line, 0, buf, len);
        fclose(f);
        return found;
}
