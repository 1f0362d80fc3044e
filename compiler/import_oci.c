/*
 * import_oci.c - an OCI/Docker seccomp profile (JSON) to .osh text.
 *
 * The profile is read with json-c.  A profile describes filters for many
 * architectures and capability sets at once (includes/excludes); a .osh
 * policy is compiled for the architectures it names, and its agent keeps
 * no capability unless the policy says so.  So the import fixes a target:
 * one architecture (x86_64 unless --arch says otherwise), no capabilities,
 * a kernel newer than any minKernel.  Each rule is then kept or dropped
 * the way a container runtime would decide it for that target, and every
 * decision that loses information is written as a comment.
 *
 * Argument conditions: the rules of one entry are ANDed (one libseccomp
 * rule); several entries for one syscall are ORed, as separate .osh rules
 * are.  libseccomp compares the full 64-bit register; the language compares
 * a 32-bit argument on its low half only (as the kernel reads it), so a
 * value above 32 bits for a 32-bit argument has no equivalent and the
 * entry becomes a comment (fail closed for allow rules).
 */
#include "import.h"
#include "../lang/sysargs.h"

#include <json-c/json.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct outbuf {
        char *text;
        size_t len;
        FILE *f;
} outbuf;

typedef struct oci_target {
        uint32_t arch_token; /* SCMP_ARCH_* */
        const char *arch;    /* libseccomp name: "x86_64" */
        const char *oci;     /* the OCI short name: "amd64" */
} oci_target;

/* libseccomp's architecture names and the short names OCI profiles use in
 * includes/excludes.arches. */
static const struct {
        const char *name, *oci, *scmp;
} arch_names[] = {
    {"x86_64", "amd64", "SCMP_ARCH_X86_64"},
    {"x86", "x86", "SCMP_ARCH_X86"},
    {"x32", "x32", "SCMP_ARCH_X32"},
    {"aarch64", "arm64", "SCMP_ARCH_AARCH64"},
    {"arm", "arm", "SCMP_ARCH_ARM"},
    {"riscv64", "riscv64", "SCMP_ARCH_RISCV64"},
    {"ppc64le", "ppc64le", "SCMP_ARCH_PPC64LE"},
    {"s390x", "s390x", "SCMP_ARCH_S390X"},
};

/* Write a comment, wrapped at about 76 columns, every line starting with
 * `# `. */
static void comment(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void comment(FILE *f, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        if (!s)
                return;
        const char *p = s;
        while (*p) {
                size_t n = strlen(p);
                if (n > 74) {
                        size_t cut = 74;
                        while (cut > 20 && p[cut] != ' ')
                                cut--;
                        n = cut;
                }
                fputs("# ", f);
                for (size_t i = 0; i < n; i++)
                        fputc(p[i] == '\n' ? ' ' : p[i], f);
                fputc('\n', f);
                p += n;
                while (*p == ' ')
                        p++;
        }
        free(s);
}

static bool str_in_array(json_object *arr, const char *s)
{
        size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
        for (size_t i = 0; i < n; i++) {
                const char *e = json_object_get_string(json_object_array_get_idx(arr, i));
                if (e && !strcmp(e, s))
                        return true;
        }
        return false;
}

/* The string value of o, or def when it is absent, null or not a string. */
static const char *str_or(json_object *o, const char *def)
{
        return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : def;
}

static size_t array_len(json_object *arr)
{
        return json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

/* The action of a profile as .osh text; NULL when unknown.  *note gets a
 * remark when the translation is not exact. */
static const char *action_text(const char *act, json_object *errno_ret, char *buf, size_t n,
                               const char **note)
{
        *note = NULL;
        if (!strcmp(act, "SCMP_ACT_ALLOW"))
                return "allow";
        if (!strcmp(act, "SCMP_ACT_LOG"))
                return "log";
        if (!strcmp(act, "SCMP_ACT_TRAP"))
                return "trap";
        if (!strcmp(act, "SCMP_ACT_KILL") || !strcmp(act, "SCMP_ACT_KILL_THREAD") ||
            !strcmp(act, "SCMP_ACT_KILL_PROCESS")) {
                if (strcmp(act, "SCMP_ACT_KILL_PROCESS"))
                        *note = "the thread-kill action became kill (the whole process)";
                return "kill";
        }
        if (!strcmp(act, "SCMP_ACT_NOTIFY")) {
                *note = "SCMP_ACT_NOTIFY: osh-run's supervisor logs the call and answers EPERM";
                return "notify";
        }
        if (!strcmp(act, "SCMP_ACT_TRACE")) {
                *note = "SCMP_ACT_TRACE has no equivalent (no tracer): without a tracer the "
                        "kernel fails the call with ENOSYS, which is what this rule does";
                return "errno(ENOSYS)";
        }
        if (!strcmp(act, "SCMP_ACT_ERRNO")) {
                int e = errno_ret ? json_object_get_int(errno_ret) : 1; /* EPERM */
                if (e < 1 || e > 4095)
                        return NULL;
                const char *name = errno_name(e);
                if (name)
                        snprintf(buf, n, "errno(%s)", name);
                else
                        snprintf(buf, n, "errno(%d)", e);
                return buf;
        }
        return NULL;
}

/* The name of argument `index` of `sys` for a condition (argN for
 * syscalls without a signature), and its width, signedness and pointer
 * flag. */
static const sys_arg *arg_info(const char *sys, int index, char *name, size_t n)
{
        const sys_sig *sig = sysargs_lookup(sys);
        if (sig) {
                for (int i = 0; i < sig->nargs; i++)
                        if (sig->args[i].index == index) {
                                snprintf(name, n, "%s", sig->args[i].name);
                                return &sig->args[i];
                        }
        }
        snprintf(name, n, "arg%d", index);
        return sysargs_positional(name);
}

/* A 64-bit OCI value as a .osh number for argument `a`; false when the
 * language cannot state it (above 32 bits for a 32-bit argument). */
static bool value_text(const sys_arg *a, uint64_t v, char *buf, size_t n)
{
        if (a->width == 32) {
                if (v > 0xffffffffu)
                        return false;
                if (a->is_signed && v > 0x7fffffffu)
                        snprintf(buf, n, "-%llu", (unsigned long long)(0x100000000ull - v));
                else
                        snprintf(buf, n, "%llu", (unsigned long long)v);
                return true;
        }
        if (a->is_signed && v > 0x7fffffffffffffffull)
                return false;
        snprintf(buf, n, "%llu", (unsigned long long)v);
        return true;
}

static const struct {
        const char *oci, *op;
} cmp_ops[] = {
    {"SCMP_CMP_EQ", "=="},        {"SCMP_CMP_NE", "!="}, {"SCMP_CMP_LT", "<"},
    {"SCMP_CMP_LE", "<="},        {"SCMP_CMP_GT", ">"},  {"SCMP_CMP_GE", ">="},
    {"SCMP_CMP_MASKED_EQ", "=="},
};

static uint64_t json_u64(json_object *o)
{
        if (!o)
                return 0;
        if (json_object_is_type(o, json_type_int))
                return json_object_get_uint64(o);
        return 0;
}

/* The condition of one entry for syscall `sys` (the args ANDed) into cond;
 * false, with the reason in why, when it cannot be written. */
static bool condition_text(const char *sys, json_object *args, char *cond, size_t n, char *why,
                           size_t whyn, bool *signed_order)
{
        size_t len = 0;
        cond[0] = 0;
        for (size_t i = 0; i < array_len(args); i++) {
                json_object *a = json_object_array_get_idx(args, i), *jv;
                int index =
                    json_object_object_get_ex(a, "index", &jv) ? json_object_get_int(jv) : -1;
                const char *op = json_object_object_get_ex(a, "op", &jv) ? str_or(jv, "") : "";
                uint64_t value = json_object_object_get_ex(a, "value", &jv) ? json_u64(jv) : 0;
                uint64_t two = json_object_object_get_ex(a, "valueTwo", &jv) ? json_u64(jv) : 0;
                const char *sop = NULL;
                for (size_t k = 0; k < sizeof cmp_ops / sizeof cmp_ops[0]; k++)
                        if (!strcmp(op, cmp_ops[k].oci))
                                sop = cmp_ops[k].op;
                if (!sop || index < 0 || index > 5) {
                        snprintf(why, whyn, "unknown comparison %s on argument %d", op, index);
                        return false;
                }
                char name[32], v1[32], v2[32];
                const sys_arg *sa = arg_info(sys, index, name, sizeof name);
                if (!sa || sa->is_pointer) {
                        snprintf(why, whyn, "argument %d of %s is a pointer", index, sys);
                        return false;
                }
                bool masked = !strcmp(op, "SCMP_CMP_MASKED_EQ");
                if (!value_text(sa, value, v1, sizeof v1) ||
                    (masked && !value_text(sa, two, v2, sizeof v2))) {
                        snprintf(why, whyn,
                                 "%s %s compares all 64 bits with a value the 32-bit argument "
                                 "%s cannot hold",
                                 sys, op, name);
                        return false;
                }
                if (sa->is_signed && strcmp(sop, "==") && strcmp(sop, "!="))
                        *signed_order = true;
                int w;
                if (masked)
                        w = snprintf(cond + len, n - len, "%s%s & %s == %s", len ? " && " : "",
                                     name, v1, v2);
                else
                        w = snprintf(cond + len, n - len, "%s%s %s %s", len ? " && " : "", name,
                                     sop, v1);
                if (w < 0 || (size_t)w >= n - len) {
                        snprintf(why, whyn, "condition too long");
                        return false;
                }
                len += (size_t)w;
        }
        return true;
}

/* Does an includes/excludes filter match the target (no capabilities, a
 * recent kernel)? */
static bool filter_matches(json_object *flt, const oci_target *t, bool *has_caps, bool *has_kernel)
{
        json_object *caps = NULL, *arches = NULL, *kern = NULL;
        json_object_object_get_ex(flt, "caps", &caps);
        json_object_object_get_ex(flt, "arches", &arches);
        json_object_object_get_ex(flt, "minKernel", &kern);
        *has_caps = array_len(caps) > 0;
        *has_kernel = *str_or(kern, "") != 0;
        if (array_len(arches) && !str_in_array(arches, t->oci))
                return false;
        if (*has_caps) /* the agent keeps no capability */
                return false;
        return true;
}

/* Does the entry apply to the target?  Comments say what was assumed. */
static bool entry_applies(FILE *f, json_object *e, const oci_target *t, const char *names)
{
        json_object *inc = NULL, *exc = NULL;
        json_object_object_get_ex(e, "includes", &inc);
        json_object_object_get_ex(e, "excludes", &exc);
        bool caps, kern;
        if (inc && json_object_is_type(inc, json_type_object) && json_object_object_length(inc)) {
                if (!filter_matches(inc, t, &caps, &kern)) {
                        json_object *a = NULL;
                        json_object_object_get_ex(inc, "arches", &a);
                        if (caps)
                                comment(f,
                                        "left out (needs capabilities %s, and the agent keeps "
                                        "none): %s",
                                        json_object_to_json_string_ext(
                                            json_object_object_get(inc, "caps"),
                                            JSON_C_TO_STRING_PLAIN),
                                        names);
                        else
                                comment(f, "left out (only for arches %s, not %s): %s",
                                        json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
                                        t->oci, names);
                        return false;
                }
                if (kern)
                        comment(f, "includes.minKernel %s: assumed satisfied (a recent kernel)",
                                str_or(json_object_object_get(inc, "minKernel"), "?"));
        }
        if (exc && json_object_is_type(exc, json_type_object) && json_object_object_length(exc)) {
                json_object *arches = NULL, *kern2 = NULL;
                json_object_object_get_ex(exc, "arches", &arches);
                json_object_object_get_ex(exc, "minKernel", &kern2);
                if (str_in_array(arches, t->oci)) {
                        comment(f, "left out (excluded on %s): %s", t->oci, names);
                        return false;
                }
                if (kern2) {
                        comment(f,
                                "left out (excluded from kernel %s on, and a recent kernel is "
                                "assumed): %s",
                                str_or(kern2, "?"), names);
                        return false;
                }
                if (array_len(json_object_object_get(exc, "caps")))
                        comment(f, "excludes.caps %s: applies, since the agent keeps none",
                                json_object_to_json_string_ext(json_object_object_get(exc, "caps"),
                                                               JSON_C_TO_STRING_PLAIN));
        }
        return true;
}

static bool check_known_keys(json_object *o, const char *const *keys, const char *where, char *err,
                             size_t errlen)
{
        json_object_object_foreach(o, key, val)
        {
                (void)val;
                bool known = false;
                for (int i = 0; keys[i]; i++)
                        known |= !strcmp(key, keys[i]);
                if (!known) {
                        snprintf(err, errlen, "%s: unknown field \"%s\"", where, key);
                        return false;
                }
        }
        return true;
}

/* One syscalls[] entry. */
static bool import_entry(FILE *f, json_object *e, size_t idx, const oci_target *t,
                         const char *default_text, char *err, size_t errlen)
{
        static const char *const keys[] = {"names",   "name",     "action",   "errnoRet", "args",
                                           "comment", "includes", "excludes", NULL};
        char where[64];
        snprintf(where, sizeof where, "syscalls[%zu]", idx);
        if (!json_object_is_type(e, json_type_object)) {
                snprintf(err, errlen, "%s: not an object", where);
                return false;
        }
        if (!check_known_keys(e, keys, where, err, errlen))
                return false;
        json_object *names = NULL, *name = NULL, *act = NULL, *eret = NULL, *args = NULL,
                    *cm = NULL;
        json_object_object_get_ex(e, "names", &names);
        json_object_object_get_ex(e, "name", &name);
        json_object_object_get_ex(e, "action", &act);
        json_object_object_get_ex(e, "errnoRet", &eret);
        json_object_object_get_ex(e, "args", &args);
        json_object_object_get_ex(e, "comment", &cm);
        if (!act || !json_object_is_type(act, json_type_string)) {
                snprintf(err, errlen, "%s: \"action\" is missing or not a string", where);
                return false;
        }
        if (names && !json_object_is_type(names, json_type_array)) {
                snprintf(err, errlen, "%s: \"names\" is not an array", where);
                return false;
        }
        if (args && !json_object_is_type(args, json_type_array)) {
                snprintf(err, errlen, "%s: \"args\" is not an array", where);
                return false;
        }
        /* the names that exist on the target */
        size_t nn = array_len(names) + (name ? 1 : 0);
        const char **ok = calloc(nn + 1, sizeof *ok);
        const char **missing = calloc(nn + 1, sizeof *missing);
        size_t nok = 0, nmissing = 0;
        char all[4096] = "";
        for (size_t i = 0; i < nn; i++) {
                json_object *jn = i < array_len(names) ? json_object_array_get_idx(names, i) : name;
                const char *s = json_object_get_string(jn);
                if (!s || !json_object_is_type(jn, json_type_string) || !*s) {
                        snprintf(err, errlen, "%s: a syscall name is not a string", where);
                        free(ok);
                        free(missing);
                        return false;
                }
                size_t l = strlen(all);
                snprintf(all + l, sizeof all - l, "%s%s", l ? ", " : "", s);
                if (seccomp_syscall_resolve_name_arch(t->arch_token, s) >= 0)
                        ok[nok++] = s;
                else
                        missing[nmissing++] = s;
        }
        bool good = true;
        if (str_or(cm, NULL))
                comment(f, "profile: %s", str_or(cm, ""));
        if (!entry_applies(f, e, t, all))
                goto done;
        char abuf[32];
        const char *note;
        const char *action =
            action_text(json_object_get_string(act), eret, abuf, sizeof abuf, &note);
        if (!action) {
                snprintf(err, errlen, "%s: unknown action %s%s", where, json_object_get_string(act),
                         eret ? " (or errnoRet out of 1..4095)" : "");
                good = false;
                goto done;
        }
        if (nmissing) {
                char m[4096] = "";
                for (size_t i = 0; i < nmissing; i++) {
                        size_t l = strlen(m);
                        snprintf(m + l, sizeof m - l, "%s%s", i ? ", " : "", missing[i]);
                }
                comment(f, "not syscalls on %s (left out): %s", t->arch, m);
        }
        if (!nok)
                goto done;
        if (!strcmp(action, default_text)) {
                comment(f,
                        "same action as the default (%s), left out as container runtimes "
                        "do: %s",
                        action, all);
                goto done;
        }
        if (note)
                comment(f, "%s", note);
        if (!array_len(args)) {
                fprintf(f, "%s ", action);
                for (size_t i = 0; i < nok; i++)
                        fprintf(f, "%s%s", i ? ", " : "", ok[i]);
                fprintf(f, ";\n");
                goto done;
        }
        /* with conditions: one rule per syscall, as argument types differ */
        for (size_t i = 0; i < nok; i++) {
                char cond[2048], why[256];
                bool signed_order = false;
                if (!condition_text(ok[i], args, cond, sizeof cond, why, sizeof why,
                                    &signed_order)) {
                        comment(f, "no equivalent, left out: %s %s (%s)", action, ok[i], why);
                        continue;
                }
                if (signed_order)
                        comment(f, "the language orders this signed argument as signed; "
                                   "libseccomp compares unsigned 64-bit values");
                fprintf(f, "%s %s when %s;\n", action, ok[i], cond);
        }
done:
        free(ok);
        free(missing);
        return good;
}

static bool target_for(const char *arch, oci_target *t, char *err, size_t errlen)
{
        for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
                if (!strcmp(arch, arch_names[i].name) || !strcmp(arch, arch_names[i].oci)) {
                        t->arch = arch_names[i].name;
                        t->oci = arch_names[i].oci;
                        t->arch_token = seccomp_arch_resolve_name(arch_names[i].name);
                        if (t->arch_token)
                                return true;
                }
        snprintf(err, errlen,
                 "unknown architecture \"%s\" (x86_64, aarch64, x86, arm, riscv64, ...)", arch);
        return false;
}

/* The profile's architectures, as a comment: the import targets one. */
static void arch_comment(FILE *f, json_object *root, const oci_target *t)
{
        json_object *a = NULL, *m = NULL;
        json_object_object_get_ex(root, "architectures", &a);
        json_object_object_get_ex(root, "archMap", &m);
        char list[1024] = "";
        for (size_t i = 0; i < array_len(a); i++) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s", l ? ", " : "",
                         str_or(json_object_array_get_idx(a, i), "?"));
        }
        for (size_t i = 0; i < array_len(m); i++) {
                json_object *arch = NULL;
                json_object_object_get_ex(json_object_array_get_idx(m, i), "architecture", &arch);
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s", l ? ", " : "", str_or(arch, "?"));
        }
        if (*list)
                comment(f,
                        "The profile lists architectures %s; this policy is for %s only "
                        "(oshc import --arch chooses).",
                        list, t->arch);
}

char *import_oci(const char *json, size_t len, const import_opts *o, char *err, size_t errlen)
{
        oci_target t;
        if (!target_for(o->arch ? o->arch : "x86_64", &t, err, errlen))
                return NULL;
        json_tokener *tok = json_tokener_new();
        json_object *root = json_tokener_parse_ex(tok, json, (int)len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        if (!root || jerr != json_tokener_success || tok->char_offset < (int)len) {
                /* trailing blanks are fine; anything else is not */
                size_t off = (size_t)tok->char_offset;
                while (root && jerr == json_tokener_success && off < len &&
                       strchr(" \t\r\n", json[off]))
                        off++;
                if (!root || jerr != json_tokener_success || off < len) {
                        int line = 1;
                        for (size_t i = 0; i < off && i < len; i++)
                                line += json[i] == '\n';
                        snprintf(err, errlen, "malformed JSON at line %d: %s", line,
                                 jerr != json_tokener_success ? json_tokener_error_desc(jerr)
                                                              : "text after the profile");
                        json_object_put(root);
                        json_tokener_free(tok);
                        return NULL;
                }
        }
        json_tokener_free(tok);
        static const char *const keys[] = {"defaultAction", "defaultErrnoRet",  "architectures",
                                           "archMap",       "syscalls",         "flags",
                                           "listenerPath",  "listenerMetadata", NULL};
        char *result = NULL;
        outbuf ob = {0};
        if (!json_object_is_type(root, json_type_object)) {
                snprintf(err, errlen, "the profile is not a JSON object");
                goto out;
        }
        if (!check_known_keys(root, keys, "profile", err, errlen))
                goto out;
        json_object *defact = NULL, *deferr = NULL, *sys = NULL;
        json_object_object_get_ex(root, "defaultAction", &defact);
        json_object_object_get_ex(root, "defaultErrnoRet", &deferr);
        json_object_object_get_ex(root, "syscalls", &sys);
        if (!defact || !json_object_is_type(defact, json_type_string)) {
                snprintf(err, errlen, "profile: \"defaultAction\" is missing or not a string");
                goto out;
        }
        if (sys && !json_object_is_type(sys, json_type_array)) {
                snprintf(err, errlen, "profile: \"syscalls\" is not an array");
                goto out;
        }
        char dbuf[32];
        const char *dnote;
        const char *def =
            action_text(json_object_get_string(defact), deferr, dbuf, sizeof dbuf, &dnote);
        if (!def) {
                snprintf(err, errlen, "profile: unknown defaultAction %s",
                         json_object_get_string(defact));
                goto out;
        }
        ob.f = open_memstream(&ob.text, &ob.len);
        if (!ob.f) {
                snprintf(err, errlen, "out of memory");
                goto out;
        }
        comment(ob.f, "Imported from %s by `oshc import --from oci`.", o->source ? o->source : "-");
        comment(ob.f, "Target: %s, no capabilities, a recent kernel; see docs/import-export.md.",
                t.arch);
        arch_comment(ob.f, root, &t);
        if (json_object_object_get(root, "flags"))
                comment(ob.f, "flags %s: no equivalent (osh-run sets its own filter flags)",
                        json_object_to_json_string_ext(json_object_object_get(root, "flags"),
                                                       JSON_C_TO_STRING_PLAIN));
        if (json_object_object_get(root, "listenerPath"))
                comment(ob.f, "listenerPath: no equivalent (notify goes to osh-run's supervisor)");
        fprintf(ob.f, "policy %s {\n    arch %s;\n    syscalls {\n", o->name, t.arch);
        if (dnote)
                comment(ob.f, "%s", dnote);
        fprintf(ob.f, "default %s;\n", def);
        for (size_t i = 0; i < array_len(sys); i++)
                if (!import_entry(ob.f, json_object_array_get_idx(sys, i), i, &t, def, err, errlen))
                        goto out;
        fprintf(ob.f, "    }\n}\n");
        fclose(ob.f);
        ob.f = NULL;
        result = ob.text;
        ob.text = NULL;
out:
        if (ob.f)
                fclose(ob.f);
        free(ob.text);
        json_object_put(root);
        return result;
}
