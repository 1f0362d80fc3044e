/*
 * verify.c - the driver: every check family on one policy, `within`, the
 * baseline comparison, and translation validation of the bundle.
 *
 * The bundle validated is the one the runtime would read: built by the
 * backends, serialized and parsed back with the runtime's own reader (or
 * read from the file given with --bundle), so what is proved is the bytes
 * osh-run loads, not a data structure on the way to them.
 */
#include "verify.h"

#include "../backends/backends.h"

#include <stdlib.h>
#include <string.h>

static bool load_bundle(vf *v, ir_program *prog, ir_policy *p, const vf_options *o,
                        oshb_bundle *out)
{
        char err[256];
        if (o->bundle_path) {
                if (oshb_read_file(o->bundle_path, out, err, sizeof err) < 0) {
                        osh_error(v->c, "bundle", no_span, "cannot read the bundle %s: %s",
                                  o->bundle_path, err);
                        return false;
                }
                if (strcmp(out->meta.policy, p->name)) {
                        osh_error(v->c, "bundle", p->where,
                                  "the bundle %s holds policy '%s', not '%s'; pass --policy %s",
                                  o->bundle_path, out->meta.policy, p->name, out->meta.policy);
                        oshb_free(out);
                        return false;
                }
                return true;
        }
        oshb_bundle built;
        if (!bundle_build(v->c, prog, p, &built))
                return false;
        size_t len;
        uint8_t *data = oshb_write(&built, &len, err, sizeof err);
        if (!data) {
                osh_error(v->c, "bundle", p->where, "cannot serialize the bundle: %s", err);
                return false;
        }
        int rc = oshb_read(data, len, out, err, sizeof err);
        free(data);
        if (rc < 0) {
                vf_internal(v,
                            "policy %s: the runtime's reader rejects the bundle the backends "
                            "wrote: %s",
                            p->name, err);
                return false;
        }
        return true;
}

static void check_within(vf *v, ir_policy *p)
{
        for (int i = 0; i < p->nwithin; i++) {
                const ir_within *w = &p->within[i];
                if (!w->target)
                        continue;
                vf_compare cmp[3];
                vf_compare_all(v, w->target, p, cmp);
                for (int d = 0; d < 3; d++) {
                        if (cmp[d].unknown ||
                            (cmp[d].rel != VF_WIDER && cmp[d].rel != VF_INCOMPARABLE))
                                continue;
                        vf_finding *f = vf_report(
                            v, p, "within", VF_ERROR, "policy",
                            "%s allows %s requests that %s (named in `within`) does not allow",
                            p->name, cmp[d].domain, w->name);
                        vf_loc_add(v, f, w->where, p->name, "the containment");
                        vf_loc_add(v, f, w->target->where, NULL, "the policy it must stay within");
                        if (cmp[d].wider_witness)
                                vf_witness(v, f, "%s", cmp[d].wider_witness);
                        vf_fix(v, f, "narrow %s's %s rules, or widen %s if the access is intended",
                               p->name, cmp[d].domain, w->name);
                }
        }
}

void vf_compare_all(vf *v, const ir_policy *old, const ir_policy *new, vf_compare out[3])
{
        vf_family(v, "containment");
        memset(out, 0, 3 * sizeof *out);
        vf_compare_fs(v, old, new, &out[0]);
        out[0].domain = "fs";
        vf_compare_net(v, old, new, &out[1]);
        out[1].domain = "net";
        vf_compare_sys(v, old, new, &out[2]);
        out[2].domain = "syscalls";
        for (int d = 0; d < 3; d++) {
                vf_compare *c = &out[d];
                if (c->unknown) {
                        if (!v->unknowns++)
                                v->unknown_what =
                                    arena_printf(&v->c->arena, "the %s comparison of %s and %s",
                                                 c->domain, old->name, new->name);
                        continue;
                }
                /* the witnesses must mean what they claim */
                if (c->wider_witness) {
                        vf_replay(v, new, c->wider_witness, 1, NULL);
                        vf_replay(v, old, c->wider_witness, 0, NULL);
                }
                if (c->narrower_witness) {
                        vf_replay(v, old, c->narrower_witness, 1, NULL);
                        vf_replay(v, new, c->narrower_witness, 0, NULL);
                }
        }
        vf_family_end(v);
}

void vf_baseline(vf *v, const ir_policy *old, const ir_policy *new, vf_compare out[3])
{
        vf_compare_all(v, old, new, out);
        for (int d = 0; d < 3; d++) {
                const vf_compare *c = &out[d];
                if (c->unknown || (c->rel != VF_WIDER && c->rel != VF_INCOMPARABLE))
                        continue;
                vf_finding *f = vf_report(v, new, "new-access", VF_WARNING, "policy",
                                          "%s allows %s requests the baseline %s does not",
                                          new->name, c->domain, old->name);
                vf_loc_add(v, f, new->where, NULL, "the policy");
                if (c->wider_witness)
                        vf_witness(v, f, "%s", c->wider_witness);
                vf_fix(v, f,
                       "if the new access is intended, approve it and update the baseline; "
                       "otherwise narrow the %s rules",
                       c->domain);
        }
}

bool vf_verify_policy(vf *v, ir_program *prog, ir_policy *p, const vf_options *o)
{
        oshb_bundle b;
        memset(&b, 0, sizeof b);
        bool have_bundle = false;
        v->strict = o->strict;
        if (o->translation || o->bundle_path) {
                vf_family(v, "translation");
                have_bundle = load_bundle(v, prog, p, o, &b);
                vf_family_end(v);
                if (!have_bundle)
                        return false;
                v->bundle = &b;
        }
        vf_check_process(v, p);
        vf_check_sys(v, p);
        vf_check_fs(v, p);
        vf_check_net(v, p);
        check_within(v, p);
        if (have_bundle) {
                vf_family(v, "translation");
                vf_validate_bpf(v, p, &b);
                vf_validate_tables(v, p, &b);
                vf_family_end(v);
        }
        vf_family_end(v);
        vf_apply_waivers(v, p);
        v->bundle = NULL;
        if (have_bundle)
                oshb_free(&b);
        return true;
}
