/*
 * osh.h - the shared types of the oshc front end.
 *
 * The front end turns .osh source files into a typed AST: the lexer
 * (lexer.l) and parser (parser.y) build one ast_file per source file, the
 * loader (load.c) follows imports, resolve.c binds names across the import
 * graph and typecheck.c checks every literal and condition.  The compiler
 * (compiler/) lowers the checked AST into the IR, which is the one meaning
 * of a policy; nothing after the compiler reads this AST.
 *
 * Memory: everything here lives in one arena per compilation (arena.c) and
 * is freed at once with it.  Diagnostics (diag.c) carry spans into the
 * sources kept by the context.
 */
#ifndef OSH_H
#define OSH_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- arena ---- */

typedef struct arena_chunk arena_chunk;
typedef struct arena {
        arena_chunk *head;
        size_t total;
} arena;

void *arena_alloc(arena *a, size_t n); /* zeroed, 16-byte aligned */
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap);
void arena_free(arena *a);

/* A growable array of pointers, allocated from an arena. */
typedef struct vec {
        void **items;
        int n, cap;
} vec;

void vec_push(arena *a, vec *v, void *item);

/* ---- sources and spans ---- */

/* A span is a range of one source file: 1-based lines and columns, the end
 * inclusive.  file indexes osh_ctx.sources; file < 0 means "no location". */
typedef struct span {
        int file;
        int line, col;
        int end_line, end_col;
} span;

typedef struct source {
        const char *path;     /* as given or resolved, for messages */
        const char *realpath; /* canonical, to detect repeated imports */
        char *text;           /* NUL-terminated contents */
        size_t len;
        int *line_start; /* byte offset of each line, 0-based line index */
        int nlines;
} source;

/* ---- diagnostics ---- */

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_level;
typedef enum { FORMAT_TEXT, FORMAT_JSON } diag_format;

typedef struct diag_note {
        span where;
        const char *msg;
} diag_note;

typedef struct diag {
        diag_level level;
        const char *code; /* e.g. "syntax", "undefined-name" */
        span where;
        const char *msg;
        diag_note notes[4];
        int nnotes;
        int seq; /* report order, to keep sorting stable */
} diag;

/* ---- the compilation context ---- */

typedef struct ast_file ast_file;

typedef struct osh_ctx {
        arena arena;
        source **sources;
        int nsources, capsources;
        /* diagnostics are collected, then printed in order by diag_flush() */
        diag *diags;
        int ndiags, capdiags;
        int nerrors, nwarnings;
        diag_format format;
        bool color;
        FILE *out; /* where diagnostics go (stderr by default) */
        const char **include_dirs;
        int ninclude_dirs;
        const char *stdlib_dir;
        ast_file **files; /* every loaded file, root first */
        int nfiles;
} osh_ctx;

void osh_ctx_init(osh_ctx *c);
void osh_ctx_free(osh_ctx *c);

/* Add a source from memory (tests, fuzzing) or from disk. Returns the file
 * index, or -1 with errno set for a file that cannot be read. */
int source_add(osh_ctx *c, const char *path, const char *realpath, const char *text, size_t len);
int source_load(osh_ctx *c, const char *path);
/* strerror() for source_load's failures. */
const char *source_strerror(int err);
/* The text of 1-based line `line` of file `file`, without the newline. */
const char *source_line(osh_ctx *c, int file, int line, int *len);

/* Report a diagnostic.  Messages are copied into the arena. */
diag *diag_report(osh_ctx *c, diag_level level, const char *code, span where, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#define osh_error(c, code, where, ...) diag_report((c), DIAG_ERROR, (code), (where), __VA_ARGS__)
#define osh_warning(c, code, where, ...)                                                           \
        diag_report((c), DIAG_WARNING, (code), (where), __VA_ARGS__)
void diag_note_at(osh_ctx *c, diag *d, span where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Print all collected diagnostics (text with carets, or one JSON array). */
void diag_flush(osh_ctx *c);
/* JSON only: print the collected diagnostics as array items (no brackets),
 * comma-separated across calls through *printed, so several contexts can
 * share one array. */
void diag_flush_json_items(osh_ctx *c, int *printed);
/* Text output pieces, for other reports in the same style (the verifier):
 * "file:line:col: " (bold on colour), and the source line with carets. */
void diag_print_location(osh_ctx *c, span w);
void diag_print_snippet(osh_ctx *c, span w);
/* Decide colour from the environment: a terminal and no NO_COLOR. */
bool diag_want_color(FILE *f);
/* Write s as a JSON string literal, quotes included. */
void json_write_string(FILE *out, const char *s);

/* ---- the AST ---- */

/* fs rights, as a bitset. */
enum { RIGHT_READ = 1, RIGHT_WRITE = 2, RIGHT_EXEC = 4, RIGHT_IOCTL = 8, RIGHT_ALL = 15 };

/* Numeric literal units. */
typedef enum {
        UNIT_NONE,
        UNIT_BYTES, /* KiB MiB GiB TiB K M G T: value already scaled to bytes */
        UNIT_TIME,  /* ms s m h: value already scaled to milliseconds */
        UNIT_PERCENT,
} unit_kind;

typedef struct ast_number {
        span where;
        const char *text; /* as written */
        uint64_t value;   /* scaled: bytes, milliseconds, or the plain integer */
        double fvalue;    /* for fractions like 1.5 */
        bool is_float;
        bool negative;
        unit_kind unit;
} ast_number;

typedef enum {
        HOST_NAME,  /* api.github.com, *.example.com, **.example.com, localhost */
        HOST_IPV4,  /* 10.0.0.1 or 10.0.0.0/8 (text keeps the /len) */
        HOST_IPV6,  /* [fd00::]/8, text without brackets but with /len */
        HOST_STAR,  /* a bare * or **: always rejected by the type checker */
        HOST_QUOTED /* "..." in host position: classified by the type checker */
} host_kind;

typedef struct port_range {
        span where;
        long lo, hi;
} port_range;

typedef struct ast_endpoint {
        host_kind kind;
        const char *host;
        span host_where;
        bool any_port; /* :* */
        port_range *ports;
        int nports;
        span port_where;
} ast_endpoint;

typedef enum {
        EL_PATH,     /* /usr/bin/git (text) */
        EL_PARAM,    /* $WORKDIR/.env: param = "WORKDIR", text = "/.env" (or "") */
        EL_ENDPOINT, /* host:ports */
        EL_NAME,     /* an identifier: syscall, method, env var, capability */
        EL_SETREF,   /* @name: text = "name" */
        EL_STRING,   /* a quoted string in a position that takes any of the above */
        EL_STAR,     /* * (http method wildcard, in L7 rules) */
} elem_kind;

typedef struct ast_elem {
        elem_kind kind;
        span where;
        bool quoted;
        const char *text;
        const char *param;
        ast_endpoint *ep;
        /* filled by the resolver for EL_SETREF */
        struct ast_decl *set;
} ast_elem;

/* Values in conditions: a number, a named constant, or a | of them. */
typedef enum { VAL_NUM, VAL_CONST, VAL_OR } val_kind;

typedef struct ast_value {
        val_kind kind;
        span where;
        ast_number num;
        const char *name;
        struct ast_value *l, *r;
        int depth; /* nesting, bounded by the parser */
} ast_value;

typedef enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } cmp_op;

typedef enum { EX_OR, EX_AND, EX_NOT, EX_CMP, EX_IN } expr_kind;

typedef struct ast_expr {
        expr_kind kind;
        span where;
        struct ast_expr *l, *r; /* OR, AND; NOT uses l */
        /* CMP and IN */
        const char *arg;
        span arg_where;
        ast_value *mask; /* arg & mask OP value; NULL when absent */
        cmp_op op;
        ast_value *rhs;
        vec set;     /* IN: ast_value* */
        bool not_in; /* `not in` */
        int depth;   /* nesting, bounded by the parser so later passes may recurse */
} ast_expr;

/* The deepest a condition or a `|` of values may nest (a clear error, not a
 * stack overflow, for generated monsters). */
#define AST_MAX_DEPTH 1000
/* The deepest sets may contain sets, and fragments use fragments. */
#define NEST_MAX_DEPTH 64

typedef enum {
        ACT_ALLOW, /* ordered from least to most restrictive */
        ACT_LOG,
        ACT_NOTIFY,
        ACT_ERRNO,
        ACT_TRAP,
        ACT_KILL,
} action_kind;

typedef struct ast_action {
        action_kind kind;
        span where;
        const char *errno_name; /* errno(EPERM) */
        ast_number errno_num;   /* errno(1) */
        bool errno_is_num;
        bool from_deny; /* written as `deny` (= errno(EPERM)) */
} ast_action;

typedef enum {
        R_FS,      /* allow RIGHTS PATHS; / deny [RIGHTS] PATHS; */
        R_NET,     /* allow|deny connect|bind ENDPOINTS [from ...] [{ l7 }] */
        R_L7,      /* allow|deny http METHODS URLPATHS; */
        R_SYSCALL, /* ACTION NAMES [when EXPR]; */
        R_DEFAULT, /* default ACTION; */
        R_LIMIT,   /* memory 2GiB; */
        R_PROCESS, /* user 1000; env keep A, B; ... */
} rule_kind;

typedef enum { NET_CONNECT, NET_BIND } net_op;

typedef enum {
        LIM_MEMORY,
        LIM_SWAP,
        LIM_PIDS,
        LIM_CPU,
        LIM_IO_WEIGHT,
        LIM_FILES,
        LIM_CPUTIME,
        LIM_FILESIZE,
        LIM_WALLTIME,
        LIM__COUNT
} limit_key;

typedef enum {
        PROC_USER,
        PROC_GROUP,
        PROC_CAPS,
        PROC_ENV_KEEP,
        PROC_ENV_SET,
        PROC_HOSTNAME,
} proc_key;

typedef struct ast_rule {
        rule_kind kind;
        span where;
        bool deny;
        /* R_FS */
        unsigned rights;
        bool rights_given;
        span rights_where;
        vec elems; /* ast_elem*: paths, endpoints, syscall names, methods... */
        /* R_NET */
        net_op op;
        vec from; /* ast_elem*: binaries */
        bool children;
        vec l7; /* ast_rule* of kind R_L7 */
        bool has_block;
        /* R_L7 */
        vec methods; /* ast_elem*: EL_NAME or EL_STAR */
        /* R_SYSCALL, R_DEFAULT */
        ast_action action;
        ast_expr *when;
        /* R_LIMIT */
        limit_key limit;
        ast_number num;
        /* R_PROCESS */
        proc_key proc;
        bool caps_none;
        const char *env_name;
        span env_name_where;
        const char *str; /* env set value, hostname; user/group given as name */
        bool str_quoted;
} ast_rule;

typedef enum {
        IT_USE,
        IT_WITHIN,
        IT_REQUIRES,
        IT_ARCH,
        IT_FS,
        IT_NET,
        IT_SYSCALLS,
        IT_LIMITS,
        IT_PROCESS,
        IT_ASSERT,
        IT_WAIVE,
} item_kind;

typedef enum { ASSERT_FS, ASSERT_CONNECT, ASSERT_SYSCALL } assert_kind;

typedef struct ast_item {
        item_kind kind;
        span where;
        vec names; /* use, within, arch: ast_elem* of kind EL_NAME */
        /* requires landlock N | best-effort */
        ast_number abi;
        bool best_effort;
        /* sections */
        vec rules; /* ast_rule* */
        /* assert never */
        assert_kind akind;
        unsigned rights;
        vec elems; /* paths, endpoints or syscall names */
        vec from;  /* assert never connect ... from BINARIES */
        ast_expr *when;
        /* waive */
        const char *finding;
        span finding_where;
        const char *reason;
        /* resolved */
        struct ast_decl **targets; /* use/within: one per name */
} ast_item;

typedef enum { D_IMPORT, D_SET, D_PARAM, D_FRAGMENT, D_POLICY } decl_kind;

/* The element type of a set, inferred by the type checker. */
typedef enum { SET_UNKNOWN, SET_PATHS, SET_ENDPOINTS, SET_SYSCALLS, SET_EMPTY } set_type;

typedef struct ast_decl {
        decl_kind kind;
        span where;
        const char *name; /* without @ for sets; import: the file string */
        span name_where;
        ast_file *file;
        vec elems;          /* D_SET */
        ast_elem *def;      /* D_PARAM default (may be NULL) */
        vec items;          /* D_FRAGMENT, D_POLICY */
        ast_file *imported; /* D_IMPORT, after loading */
        set_type stype;     /* D_SET, after type checking */
        int visit;          /* cycle detection while resolving */
        bool used;          /* referenced somewhere (for the unused lint) */
} ast_decl;

typedef struct ast_comment {
        span where;
        const char *text; /* from # to end of line */
        bool trailing;    /* code precedes it on its line */
} ast_comment;

struct ast_file {
        int file; /* index into ctx sources */
        vec decls;
        vec comments;
        bool parse_failed;
};

/* ---- AST constructors (ast.c), used by the parser's actions ---- */

ast_elem *ast_elem_new(arena *a, elem_kind kind, span where, const char *text);
ast_elem *ast_path_elem(arena *a, span where, const char *text); /* PATH or PARAMPATH */
ast_endpoint *ast_endpoint_new(arena *a, host_kind kind, span where, const char *host);
void ast_endpoint_add_port(arena *a, ast_endpoint *ep, span where, long lo, long hi);
ast_rule *ast_rule_new(arena *a, rule_kind kind, span where);
ast_item *ast_item_new(arena *a, item_kind kind, span where);
ast_decl *ast_decl_new(arena *a, decl_kind kind, span where, const char *name, span name_where);
ast_expr *ast_expr_new(arena *a, expr_kind kind, span where);
ast_value *ast_value_new(arena *a, val_kind kind, span where);
vec vec_of(arena *a, void *first);
/* Keyword spellings, for messages and the formatter. */
const char *limit_name(limit_key k);
const char *action_name(action_kind k);
/* CAP_ name -> number, or -1; and back (NULL for an unknown number). */
int capability_number(const char *name);
const char *capability_name(unsigned cap);

/* ---- front-end entry points ---- */

/* Parse one source (already added to the context).  Always returns a file;
 * syntax errors are reported and parsing recovers where it can. */
ast_file *parse_source(osh_ctx *c, int file);

/* Load FILE and everything it imports; resolve names; type-check.  Returns
 * the root file, or NULL when the root file itself cannot be read.  Errors
 * are counted in c->nerrors. */
ast_file *osh_load(osh_ctx *c, const char *path);
/* Same, from text in memory (tests, fuzzing); imports are resolved
 * relative to the current directory. */
ast_file *osh_load_text(osh_ctx *c, const char *name, const char *text, size_t len);

/* The canonical text of one parsed file (fmt.c), allocated in the arena;
 * NULL when the file has syntax errors.  Needs no name resolution. */
char *osh_format(osh_ctx *c, ast_file *f);

void resolve_program(osh_ctx *c);
void typecheck_program(osh_ctx *c);

/* Look up a global name (set, param, fragment, policy) across every loaded
 * file. */
ast_decl *lookup_decl(osh_ctx *c, const char *name, decl_kind kind);

/* Names of the verifier's findings, for `waive` (NULL-terminated). */
extern const char *const finding_names[];
bool finding_name_known(const char *name);

/* Addresses (addr.c).  An IPv4 address is stored IPv4-mapped
 * (::ffff:a.b.c.d) and its prefix length counted on 128 bits. */
typedef struct ip_net {
        uint8_t addr[16];
        int prefix; /* on 128 bits */
        bool is_v4;
} ip_net;
/* Parse "10.0.0.0/8", "10.0.0.1", "fd00::/8", "[fd00::]/8" or "::1".  On
 * failure returns false with a reason in err; host bits set is a failure
 * too unless allow_host_bits (err names the network address then). */
bool ip_net_parse(const char *text, ip_net *out, bool allow_host_bits, char *err, size_t errlen);
/* Does address `a` (a /128) lie in net `n`? */
bool ip_net_contains(const ip_net *n, const uint8_t a[16]);
/* Format an ip_net the way a user writes it. */
void ip_net_format(const ip_net *n, char *buf, size_t len);
/* Check a host-name pattern; on failure false with a reason. */
bool host_pattern_check(const char *host, char *err, size_t errlen);

/* Is an absolute path in its one spelling (no '.', '..', '//', trailing
 * '/')?  On false, *why says what is wrong. */
bool path_is_canonical(const char *p, const char **why);

/* Span helpers. */
span span_join(span a, span b);
extern const span no_span;

#endif
