/*
 * mounts.c - mount masks: the denies Landlock cannot express.
 *
 * Landlock only grants, and a right granted on a directory holds for
 * everything beneath it.  A deny beneath an allow that grants one of its
 * rights therefore needs another mechanism: osh-run builds the agent's
 * mount view and covers the denied path with a mask (DESIGN §6):
 *   deny read (or every right)  OSHB_MASK_HIDE      an empty read-only mount
 *   deny write                  OSHB_MASK_READONLY  a read-only bind mount
 *   deny exec                   OSHB_MASK_NOEXEC    a noexec bind mount
 *   deny ioctl                  OSHB_MASK_NODEV     a nodev bind mount
 * Only the rights some covering allow really grants count: the rights of
 * a deny on an allow's own path or above it are already taken out of that
 * allow's Landlock rule (landlock.c), and a deny no allow covers needs
 * nothing, since Landlock's default deny holds there.  A literal path and
 * a parameter path never overlap (DESIGN §2.3; osh-run checks it), but two
 * different parameters may, so a deny on one beneath an allow on the other
 * is masked in case (fail closed).
 *
 * HIDE and NODEV are coarser than the policy (HIDE also takes write and
 * exec away, NODEV makes devices there unusable for any access):
 * docs/backends.md lists what masks cannot express.  The table is sorted
 * by path, one mask per path with the kinds ORed, each mask carrying the
 * kinds of the masks above it (so a bind mount does not lose the parent's
 * read-only flag), and a mask that adds nothing to the masks above it, or
 * lies beneath a HIDE, is left out.
 */
#include "backends.h"

#include <stdlib.h>
#include <string.h>

/* The mask for the denied rights an allow really grants there. */
static uint32_t mask_kind(unsigned rights)
{
        if (rights & RIGHT_READ)
                return OSHB_MASK_HIDE;
        uint32_t kind = 0;
        if (rights & RIGHT_WRITE)
                kind |= OSHB_MASK_READONLY;
        if (rights & RIGHT_EXEC)
                kind |= OSHB_MASK_NOEXEC;
        if (rights & RIGHT_IOCTL)
                kind |= OSHB_MASK_NODEV;
        return kind;
}

/* The rights the allows that cover (or may cover) `deny` grant. */
static unsigned granted_over(const ir_policy *p, const unsigned *allow_rights,
                             const ir_fs_rule *deny)
{
        unsigned granted = 0;
        for (int i = 0; i < p->nfs; i++) {
                const ir_fs_rule *a = &p->fs[i];
                if ((allow_rights[i] & deny->rights & ~granted) &&
                    (fs_path_covers(&a->path, &deny->path) ||
                     fs_paths_undecided(&a->path, &deny->path)))
                        granted |= allow_rights[i];
        }
        return granted;
}

static ir_path mount_path(const oshb_mount *m)
{
        ir_path p = {m->param, m->path};
        return p;
}

/* Literal paths first, then by parameter and path (an ancestor sorts
 * before its descendants); the lower rule id first on one path. */
static int cmp_mount(const void *x, const void *y)
{
        const oshb_mount *a = x, *b = y;
        if (!a->param != !b->param)
                return a->param ? 1 : -1;
        int c = a->param ? strcmp(a->param, b->param) : 0;
        if (!c)
                c = strcmp(a->path, b->path);
        if (!c)
                c = (a->rule_id > b->rule_id) - (a->rule_id < b->rule_id);
        return c;
}

static bool same_path(const oshb_mount *a, const oshb_mount *b)
{
        return !a->param == !b->param && (!a->param || !strcmp(a->param, b->param)) &&
               !strcmp(a->path, b->path);
}

/* One mask per path: the kinds ORed, the first rule's id. */
static uint32_t merge_same_paths(oshb_mount *ms, uint32_t n)
{
        uint32_t kept = 0;
        for (uint32_t i = 0; i < n; i++) {
                if (kept && same_path(&ms[kept - 1], &ms[i]))
                        ms[kept - 1].kind |= ms[i].kind;
                else
                        ms[kept++] = ms[i];
        }
        return kept;
}

/* Carry each mask's kinds down to the masks beneath it; drop those that
 * add nothing, or lie beneath a HIDE (their path is not even there). */
static uint32_t fold_nested(oshb_mount *ms, uint32_t n)
{
        uint32_t kept = 0;
        for (uint32_t i = 0; i < n; i++) {
                ir_path here = mount_path(&ms[i]);
                uint32_t above = 0;
                for (uint32_t j = 0; j < kept; j++) {
                        ir_path outer = mount_path(&ms[j]);
                        if (fs_path_covers(&outer, &here))
                                above |= ms[j].kind;
                }
                if ((above & OSHB_MASK_HIDE) || (ms[i].kind & ~above) == 0)
                        continue;
                ms[i].kind = (ms[i].kind & OSHB_MASK_HIDE) ? OSHB_MASK_HIDE : ms[i].kind | above;
                ms[kept++] = ms[i];
        }
        return kept;
}

bool backend_mounts(osh_ctx *c, const ir_policy *p, oshb_bundle *b)
{
        unsigned *allow_rights = calloc((size_t)p->nfs + 1, sizeof(*allow_rights));
        if (!allow_rights)
                abort();
        fs_allow_rights(p, allow_rights);
        oshb_mount *ms = arena_alloc(&c->arena, sizeof(*ms) * ((size_t)p->nfs + 1));
        uint32_t n = 0;
        for (int i = 0; i < p->nfs; i++) {
                const ir_fs_rule *d = &p->fs[i];
                unsigned over = d->deny ? d->rights & granted_over(p, allow_rights, d) : 0;
                if (!over)
                        continue;
                ms[n].kind = mask_kind(over);
                ms[n].param = d->path.param ? arena_strdup(&c->arena, d->path.param) : NULL;
                ms[n].path = arena_strdup(&c->arena, d->path.path);
                ms[n].rule_id = (uint32_t)d->id;
                n++;
        }
        free(allow_rights);
        qsort(ms, n, sizeof(*ms), cmp_mount);
        n = merge_same_paths(ms, n);
        b->mounts = ms;
        b->nmounts = fold_nested(ms, n);
        return true;
}

const char *mask_kind_str(uint32_t kind, char *buf, size_t n)
{
        static const struct {
                uint32_t bit;
                const char *name;
        } names[] = {{OSHB_MASK_HIDE, "hide"},
                     {OSHB_MASK_READONLY, "readonly"},
                     {OSHB_MASK_NOEXEC, "noexec"},
                     {OSHB_MASK_NODEV, "nodev"}};
        size_t len = 0;
        buf[0] = 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                size_t need = strlen(names[i].name) + (len ? 1 : 0);
                if (!(kind & names[i].bit) || len + need >= n)
                        continue;
                snprintf(buf + len, n - len, "%s%s", len ? "," : "", names[i].name);
                len += need;
        }
        if (!len && n > 4)
                snprintf(buf, n, "none");
        return buf;
}
