/*
 * parser.y - the .osh grammar (bison, pure, with locations).
 *
 * Each rule's action builds an AST node (constructors in ast.c) and does
 * nothing else: names are bound by resolve.c and literals are checked by
 * typecheck.c.  Errors recover at the next `;` of a rule, an item or a
 * declaration, so one run reports every independent syntax error.
 */
%define api.pure full
%define parse.error custom
%locations
%param {yyscan_t scanner}
%parse-param {struct lex_state *st}

%code requires {
#include "lang/osh.h"
#include "lang/lexstate.h"
typedef void *yyscan_t;
typedef struct YYLTYPE {
	int file;
	int first_line, first_column, last_line, last_column;
} YYLTYPE;
#define YYLTYPE_IS_DECLARED 1
#define YYLTYPE_IS_TRIVIAL 1
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                                           \
	do {                                                                                  \
		if (N) {                                                                      \
			(Cur).file = YYRHSLOC(Rhs, 1).file;                                   \
			(Cur).first_line = YYRHSLOC(Rhs, 1).first_line;                       \
			(Cur).first_column = YYRHSLOC(Rhs, 1).first_column;                   \
			(Cur).last_line = YYRHSLOC(Rhs, N).last_line;                         \
			(Cur).last_column = YYRHSLOC(Rhs, N).last_column;                     \
		} else {                                                                      \
			(Cur).file = YYRHSLOC(Rhs, 0).file;                                   \
			(Cur).first_line = (Cur).last_line = YYRHSLOC(Rhs, 0).last_line;      \
			(Cur).first_column = (Cur).last_column = YYRHSLOC(Rhs, 0).last_column; \
		}                                                                             \
	} while (0)
}

%union {
	char *str;
	ast_number num;
	ast_elem *elem;
	ast_endpoint *ep;
	ast_rule *rule;
	ast_item *item;
	ast_decl *decl;
	ast_expr *expr;
	ast_value *val;
	ast_action action;
	vec list;
	unsigned rights;
	int cmp;
}

%code {
#include "lang/lexer.h"
#include <string.h>

#define A (&st->c->arena)
static span S(YYLTYPE l)
{
	span s = {l.file, l.first_line, l.first_column, l.last_line, l.last_column};
	return s;
}
static void yyerror(YYLTYPE *loc, yyscan_t scanner, struct lex_state *st, const char *msg);
/* Ports are checked by the type checker; keep absurd values recognisable. */
static long port_val(ast_number n)
{
	if (n.unit != UNIT_NONE || n.is_float)
		return -1; /* a port is a plain whole number: reported as out of range */
	return n.value > 1000000 ? 1000000 : (long)n.value;
}
static ast_rule *net_rule(struct lex_state *st, YYLTYPE loc, bool deny, net_op op, vec eps,
			  ast_rule *from);
static ast_item *assert_item(struct lex_state *st, YYLTYPE loc, assert_kind k, vec elems);
static ast_expr *cmp_expr(struct lex_state *st, YYLTYPE loc, char *arg, YYLTYPE argloc,
			  ast_value *mask, int op, ast_value *rhs);
static ast_expr *expr_join(struct lex_state *st, YYLTYPE loc, expr_kind k, ast_expr *l,
			   ast_expr *r);
static ast_value *value_or(struct lex_state *st, YYLTYPE loc, ast_value *l, ast_value *r);
}

%token <str> IDENT "identifier" HOST "host name" IPV4 "IPv4 address" CIDR4 "IPv4 CIDR"
%token <str> IPV6 "IPv6 address" SETREF "@name" PARAMPATH "$PARAM path" PATH "path"
%token <str> STRING "string"
%token <num> NUMBER "number"
%token IMPORT "import" SET "set" PARAM "param" FRAGMENT "fragment" POLICY "policy"
%token USE "use" WITHIN "within" REQUIRES "requires" LANDLOCK "landlock" ARCH "arch"
%token FS "fs" NET "net" SYSCALLS "syscalls" LIMITS "limits" PROCESS "process"
%token ASSERT "assert" NEVER "never" WAIVE "waive" ALLOW "allow" DENY "deny"
%token CONNECT "connect" BIND "bind" FROM "from" AND "and" CHILDREN "children" HTTP "http"
%token DEFAULT "default" KILL "kill" TRAP "trap" LOG "log" NOTIFY "notify" ERRNO "errno"
%token WHEN "when" IN "in" NOT "not" READ "read" WRITE "write" EXEC "exec" IOCTL "ioctl"
%token SYSCALL "syscall" MEMORY "memory" SWAP "swap" PIDS "pids" CPU "cpu" IO "io"
%token WEIGHT "weight" FILES "files" CPUTIME "cputime" FILESIZE "filesize"
%token WALLTIME "walltime" USER "user" GROUP "group" CAPS "caps" NONE "none" ENV "env"
%token KEEP "keep" HOSTNAME_KW "hostname"
%token STARSTAR "**" DOTDOT ".." EQ "==" NE "!=" LE "<=" GE ">=" ANDAND "&&" OROR "||"

%left OROR
%left ANDAND
%precedence '!'

%type <decl> decl
%type <item> item section
%type <rule> fs_rule net_rule l7_rule sys_rule limit_rule proc_rule from_opt
%type <list> items fs_rules net_rules l7_rules sys_rules limit_rules proc_rules
%type <list> names path_list endpoints set_elems set_elems_opt sys_names url_list methods
%type <list> values
%type <elem> path_elem set_elem sys_name url
%type <ep> endpoint host hostlit ports port_list
%type <rights> rights right
%type <action> action
%type <expr> expr
%type <val> value atom
%type <cmp> cmpop
%type <str> name host_text

%%

file
	: %empty
	| file decl { if ($2) vec_push(A, &st->f->decls, $2); }
	;

/* decl: import "f"; | set @N = { ... }; | param N [= /p]; | fragment|policy N { items } */
decl
	: IMPORT STRING ';'  { $$ = ast_decl_new(A, D_IMPORT, S(@$), $2, S(@2)); }
	| SET SETREF '=' '{' set_elems_opt '}' ';'
		{ $$ = ast_decl_new(A, D_SET, S(@$), $2, S(@2)); $$->elems = $5; }
	| PARAM IDENT '=' path_elem ';'
		{ $$ = ast_decl_new(A, D_PARAM, S(@$), $2, S(@2)); $$->def = $4; }
	| PARAM IDENT ';'    { $$ = ast_decl_new(A, D_PARAM, S(@$), $2, S(@2)); }
	| FRAGMENT IDENT '{' items '}'
		{ $$ = ast_decl_new(A, D_FRAGMENT, S(@$), $2, S(@2)); $$->items = $4; }
	| POLICY IDENT '{' items '}'
		{ $$ = ast_decl_new(A, D_POLICY, S(@$), $2, S(@2)); $$->items = $4; }
	| error ';'          { $$ = NULL; }
	| error '}'          { $$ = NULL; }
	;

items
	: %empty             { $$ = (vec){0}; }
	| items item         { $$ = $1; if ($2) vec_push(A, &$$, $2); }
	;

/* item: use N,..; within N,..; requires landlock N|best-effort; arch A,..;
 *       section; assert never ...; waive FINDING "reason"; */
item
	: USE names ';'      { $$ = ast_item_new(A, IT_USE, S(@$)); $$->names = $2; }
	| WITHIN names ';'   { $$ = ast_item_new(A, IT_WITHIN, S(@$)); $$->names = $2; }
	| REQUIRES LANDLOCK NUMBER ';'
		{ $$ = ast_item_new(A, IT_REQUIRES, S(@$)); $$->abi = $3; }
	| REQUIRES LANDLOCK IDENT ';'
		{
			$$ = ast_item_new(A, IT_REQUIRES, S(@$));
			$$->best_effort = true;
			$$->finding = $3; $$->finding_where = S(@3);
		}
	| ARCH names ';'     { $$ = ast_item_new(A, IT_ARCH, S(@$)); $$->names = $2; }
	| section
	| ASSERT NEVER rights path_list ';'
		{ $$ = assert_item(st, @$, ASSERT_FS, $4); $$->rights = $3; }
	| ASSERT NEVER CONNECT endpoints ';'
		{ $$ = assert_item(st, @$, ASSERT_CONNECT, $4); }
	| ASSERT NEVER CONNECT endpoints FROM path_list ';'
		{ $$ = assert_item(st, @$, ASSERT_CONNECT, $4); $$->from = $6; }
	| ASSERT NEVER SYSCALL sys_names ';'
		{ $$ = assert_item(st, @$, ASSERT_SYSCALL, $4); }
	| ASSERT NEVER SYSCALL sys_names WHEN expr ';'
		{ $$ = assert_item(st, @$, ASSERT_SYSCALL, $4); $$->when = $6; }
	| WAIVE IDENT STRING ';'
		{
			$$ = ast_item_new(A, IT_WAIVE, S(@$));
			$$->finding = $2; $$->finding_where = S(@2); $$->reason = $3;
		}
	| error ';'          { $$ = NULL; }
	;

section
	: FS '{' fs_rules '}'           { $$ = ast_item_new(A, IT_FS, S(@$)); $$->rules = $3; }
	| NET '{' net_rules '}'         { $$ = ast_item_new(A, IT_NET, S(@$)); $$->rules = $3; }
	| SYSCALLS '{' sys_rules '}'    { $$ = ast_item_new(A, IT_SYSCALLS, S(@$)); $$->rules = $3; }
	| LIMITS '{' limit_rules '}'    { $$ = ast_item_new(A, IT_LIMITS, S(@$)); $$->rules = $3; }
	| PROCESS '{' proc_rules '}'    { $$ = ast_item_new(A, IT_PROCESS, S(@$)); $$->rules = $3; }
	;

names
	: name               { $$ = vec_of(A, ast_elem_new(A, EL_NAME, S(@1), $1)); }
	| names ',' name     { $$ = $1; vec_push(A, &$$, ast_elem_new(A, EL_NAME, S(@3), $3)); }
	;

name : IDENT ;

/* ---- fs ---- */

fs_rules
	: %empty             { $$ = (vec){0}; }
	| fs_rules fs_rule   { $$ = $1; if ($2) vec_push(A, &$$, $2); }
	;

/* fs_rule: allow RIGHTS PATHS; | deny [RIGHTS] PATHS; */
fs_rule
	: ALLOW rights path_list ';'
		{
			$$ = ast_rule_new(A, R_FS, S(@$));
			$$->rights = $2; $$->rights_given = true; $$->rights_where = S(@2);
			$$->elems = $3;
		}
	| DENY rights path_list ';'
		{
			$$ = ast_rule_new(A, R_FS, S(@$)); $$->deny = true;
			$$->rights = $2; $$->rights_given = true; $$->rights_where = S(@2);
			$$->elems = $3;
		}
	| DENY path_list ';'
		{
			$$ = ast_rule_new(A, R_FS, S(@$)); $$->deny = true;
			$$->rights = RIGHT_ALL; $$->elems = $2;
		}
	| error ';'          { $$ = NULL; }
	;

rights
	: right
	| rights ',' right   { $$ = $1 | $3; }
	;

right
	: READ  { $$ = RIGHT_READ; }
	| WRITE { $$ = RIGHT_WRITE; }
	| EXEC  { $$ = RIGHT_EXEC; }
	| IOCTL { $$ = RIGHT_IOCTL; }
	;

path_list
	: path_elem                { $$ = vec_of(A, $1); }
	| path_list ',' path_elem  { $$ = $1; vec_push(A, &$$, $3); }
	;

path_elem
	: PATH       { $$ = ast_path_elem(A, S(@1), $1); }
	| PARAMPATH  { $$ = ast_path_elem(A, S(@1), $1); }
	| STRING     { $$ = ast_elem_new(A, EL_PATH, S(@1), $1); $$->quoted = true; }
	| SETREF     { $$ = ast_elem_new(A, EL_SETREF, S(@1), $1); }
	;

/* ---- net ---- */

net_rules
	: %empty               { $$ = (vec){0}; }
	| net_rules net_rule   { $$ = $1; if ($2) vec_push(A, &$$, $2); }
	;

/* net_rule: allow|deny connect ENDPOINTS [from BINS [and children]] (; | { l7 })
 *         | allow|deny bind ENDPOINTS; */
net_rule
	: ALLOW CONNECT endpoints from_opt ';'
		{ $$ = net_rule(st, @$, false, NET_CONNECT, $3, $4); }
	| ALLOW CONNECT endpoints from_opt '{' l7_rules '}'
		{ $$ = net_rule(st, @$, false, NET_CONNECT, $3, $4); $$->l7 = $6; $$->has_block = true; }
	| DENY CONNECT endpoints from_opt ';'
		{ $$ = net_rule(st, @$, true, NET_CONNECT, $3, $4); }
	| ALLOW BIND endpoints ';'
		{ $$ = net_rule(st, @$, false, NET_BIND, $3, NULL); }
	| DENY BIND endpoints ';'
		{ $$ = net_rule(st, @$, true, NET_BIND, $3, NULL); }
	| error ';'          { $$ = NULL; }
	;

from_opt
	: %empty             { $$ = NULL; }
	| FROM path_list     { $$ = ast_rule_new(A, R_NET, S(@$)); $$->from = $2; }
	| FROM path_list AND CHILDREN
		{ $$ = ast_rule_new(A, R_NET, S(@$)); $$->from = $2; $$->children = true; }
	;

endpoints
	: endpoint
		{ ast_elem *e = ast_elem_new(A, EL_ENDPOINT, S(@1), NULL); e->ep = $1; $$ = vec_of(A, e); }
	| SETREF             { $$ = vec_of(A, ast_elem_new(A, EL_SETREF, S(@1), $1)); }
	| endpoints ',' endpoint
		{
			ast_elem *e = ast_elem_new(A, EL_ENDPOINT, S(@3), NULL); e->ep = $3;
			$$ = $1; vec_push(A, &$$, e);
		}
	| endpoints ',' SETREF
		{ $$ = $1; vec_push(A, &$$, ast_elem_new(A, EL_SETREF, S(@3), $3)); }
	;

/* endpoint: HOST[:PORTS] (a missing port is a type error, not a syntax one) */
endpoint
	: host               { $$ = $1; }
	| host ':' ports
		{
			$$ = $1; $$->any_port = $3->any_port; $$->ports = $3->ports;
			$$->nports = $3->nports; $$->port_where = S(@3);
		}
	| IDENT
		{ $$ = ast_endpoint_new(A, HOST_NAME, S(@1), $1); }
	| IDENT ':' ports
		{
			$$ = ast_endpoint_new(A, HOST_NAME, S(@1), $1); $$->any_port = $3->any_port;
			$$->ports = $3->ports; $$->nports = $3->nports; $$->port_where = S(@3);
		}
	;

host
	: hostlit
	| STRING   { $$ = ast_endpoint_new(A, HOST_QUOTED, S(@1), $1); }
	;

hostlit
	: HOST     { $$ = ast_endpoint_new(A, HOST_NAME, S(@1), $1); }
	| IPV4     { $$ = ast_endpoint_new(A, HOST_IPV4, S(@1), $1); }
	| CIDR4    { $$ = ast_endpoint_new(A, HOST_IPV4, S(@1), $1); }
	| IPV6     { $$ = ast_endpoint_new(A, HOST_IPV6, S(@1), $1); }
	| '*'      { $$ = ast_endpoint_new(A, HOST_STAR, S(@1), "*"); }
	| STARSTAR { $$ = ast_endpoint_new(A, HOST_STAR, S(@1), "**"); }
	;

host_text : HOST | IPV4 | CIDR4 | IPV6 ;

/* ports: N | N..M | * | { N, N..M, ... } */
ports
	: '*'               { $$ = ast_endpoint_new(A, HOST_NAME, S(@1), NULL); $$->any_port = true; }
	| '{' port_list '}' { $$ = $2; }
	| NUMBER
		{ $$ = ast_endpoint_new(A, HOST_NAME, S(@1), NULL); ast_endpoint_add_port(A, $$, S(@1), port_val($1), port_val($1)); }
	| NUMBER DOTDOT NUMBER
		{ $$ = ast_endpoint_new(A, HOST_NAME, S(@1), NULL); ast_endpoint_add_port(A, $$, S(@$), port_val($1), port_val($3)); }
	;

port_list
	: NUMBER
		{ $$ = ast_endpoint_new(A, HOST_NAME, S(@1), NULL); ast_endpoint_add_port(A, $$, S(@1), port_val($1), port_val($1)); }
	| NUMBER DOTDOT NUMBER
		{ $$ = ast_endpoint_new(A, HOST_NAME, S(@1), NULL); ast_endpoint_add_port(A, $$, S(@$), port_val($1), port_val($3)); }
	| port_list ',' NUMBER
		{ $$ = $1; ast_endpoint_add_port(A, $$, S(@3), port_val($3), port_val($3)); }
	| port_list ',' NUMBER DOTDOT NUMBER
		{ $$ = $1; ast_endpoint_add_port(A, $$, span_join(S(@3), S(@5)), port_val($3), port_val($5)); }
	;

l7_rules
	: %empty             { $$ = (vec){0}; }
	| l7_rules l7_rule   { $$ = $1; if ($2) vec_push(A, &$$, $2); }
	;

/* l7_rule: allow|deny http METHODS|* URLPATHS; */
l7_rule
	: ALLOW HTTP methods url_list ';'
		{ $$ = ast_rule_new(A, R_L7, S(@$)); $$->methods = $3; $$->elems = $4; }
	| DENY HTTP methods url_list ';'
		{ $$ = ast_rule_new(A, R_L7, S(@$)); $$->deny = true; $$->methods = $3; $$->elems = $4; }
	| error ';'          { $$ = NULL; }
	;

methods
	: '*'                { $$ = vec_of(A, ast_elem_new(A, EL_STAR, S(@1), "*")); }
	| IDENT              { $$ = vec_of(A, ast_elem_new(A, EL_NAME, S(@1), $1)); }
	| methods ',' IDENT  { $$ = $1; vec_push(A, &$$, ast_elem_new(A, EL_NAME, S(@3), $3)); }
	;

url_list
	: url                { $$ = vec_of(A, $1); }
	| url_list ',' url   { $$ = $1; vec_push(A, &$$, $3); }
	;

url
	: PATH     { $$ = ast_elem_new(A, EL_PATH, S(@1), $1); }
	| STRING   { $$ = ast_elem_new(A, EL_PATH, S(@1), $1); $$->quoted = true; }
	;

/* ---- syscalls ---- */

sys_rules
	: %empty             { $$ = (vec){0}; }
	| sys_rules sys_rule { $$ = $1; if ($2) vec_push(A, &$$, $2); }
	;

/* sys_rule: default ACTION; | ACTION NAMES [when EXPR]; */
sys_rule
	: DEFAULT action ';'
		{ $$ = ast_rule_new(A, R_DEFAULT, S(@$)); $$->action = $2; }
	| action sys_names ';'
		{ $$ = ast_rule_new(A, R_SYSCALL, S(@$)); $$->action = $1; $$->elems = $2; }
	| action sys_names WHEN expr ';'
		{
			$$ = ast_rule_new(A, R_SYSCALL, S(@$)); $$->action = $1; $$->elems = $2;
			$$->when = $4;
		}
	| error ';'          { $$ = NULL; }
	;

action
	: ALLOW   { $$ = (ast_action){.kind = ACT_ALLOW, .where = S(@1)}; }
	| DENY    { $$ = (ast_action){.kind = ACT_ERRNO, .where = S(@1), .errno_name = "EPERM", .from_deny = true}; }
	| KILL    { $$ = (ast_action){.kind = ACT_KILL, .where = S(@1)}; }
	| TRAP    { $$ = (ast_action){.kind = ACT_TRAP, .where = S(@1)}; }
	| LOG     { $$ = (ast_action){.kind = ACT_LOG, .where = S(@1)}; }
	| NOTIFY  { $$ = (ast_action){.kind = ACT_NOTIFY, .where = S(@1)}; }
	| ERRNO '(' IDENT ')'
		{ $$ = (ast_action){.kind = ACT_ERRNO, .where = S(@$), .errno_name = $3}; }
	| ERRNO '(' NUMBER ')'
		{ $$ = (ast_action){.kind = ACT_ERRNO, .where = S(@$), .errno_num = $3, .errno_is_num = true}; }
	;

sys_names
	: sys_name                { $$ = vec_of(A, $1); }
	| sys_names ',' sys_name  { $$ = $1; vec_push(A, &$$, $3); }
	;

/* Syscall names; the keywords that are also syscall names are allowed. */
sys_name
	: IDENT    { $$ = ast_elem_new(A, EL_NAME, S(@1), $1); }
	| SETREF   { $$ = ast_elem_new(A, EL_SETREF, S(@1), $1); }
	| READ     { $$ = ast_elem_new(A, EL_NAME, S(@1), "read"); }
	| WRITE    { $$ = ast_elem_new(A, EL_NAME, S(@1), "write"); }
	| KILL     { $$ = ast_elem_new(A, EL_NAME, S(@1), "kill"); }
	| BIND     { $$ = ast_elem_new(A, EL_NAME, S(@1), "bind"); }
	| CONNECT  { $$ = ast_elem_new(A, EL_NAME, S(@1), "connect"); }
	| IOCTL    { $$ = ast_elem_new(A, EL_NAME, S(@1), "ioctl"); }
	;

/* expr: expr || expr | expr && expr | ! expr | ( expr ) | ARG [& MASK] OP VALUE
 *     | ARG [not] in { VALUES } */
expr
	: expr OROR expr     { $$ = expr_join(st, @$, EX_OR, $1, $3); }
	| expr ANDAND expr   { $$ = expr_join(st, @$, EX_AND, $1, $3); }
	| '!' expr           { $$ = expr_join(st, @$, EX_NOT, $2, NULL); }
	| '(' expr ')'       { $$ = $2; }
	| IDENT cmpop value  { $$ = cmp_expr(st, @$, $1, @1, NULL, $2, $3); }
	| IDENT '&' value cmpop value
		{ $$ = cmp_expr(st, @$, $1, @1, $3, $4, $5); }
	| IDENT IN '{' values '}'
		{ $$ = cmp_expr(st, @$, $1, @1, NULL, CMP_EQ, NULL); $$->kind = EX_IN; $$->set = $4; }
	| IDENT NOT IN '{' values '}'
		{
			$$ = cmp_expr(st, @$, $1, @1, NULL, CMP_NE, NULL); $$->kind = EX_IN;
			$$->set = $5; $$->not_in = true;
		}
	;

cmpop
	: EQ  { $$ = CMP_EQ; }
	| NE  { $$ = CMP_NE; }
	| '<' { $$ = CMP_LT; }
	| LE  { $$ = CMP_LE; }
	| '>' { $$ = CMP_GT; }
	| GE  { $$ = CMP_GE; }
	;

value
	: atom
	| value '|' atom
		{ $$ = value_or(st, @$, $1, $3); }
	;

atom
	: NUMBER         { $$ = ast_value_new(A, VAL_NUM, S(@1)); $$->num = $1; }
	| '-' NUMBER
		{ $$ = ast_value_new(A, VAL_NUM, S(@$)); $$->num = $2; $$->num.negative = true; }
	| IDENT          { $$ = ast_value_new(A, VAL_CONST, S(@1)); $$->name = $1; }
	| '(' value ')'  { $$ = $2; }
	;

values
	: value              { $$ = vec_of(A, $1); }
	| values ',' value   { $$ = $1; vec_push(A, &$$, $3); }
	;

/* ---- limits ---- */

limit_rules
	: %empty                   { $$ = (vec){0}; }
	| limit_rules limit_rule   { $$ = $1; if ($2) vec_push(A, &$$, $2); }
	;

/* limit_rule: memory|swap|pids|cpu|files|cputime|filesize|walltime N; | io weight N; */
limit_rule
	: MEMORY NUMBER ';'   { $$ = ast_rule_new(A, R_LIMIT, S(@$)); $$->limit = LIM_MEMORY; $$->num = $2; }
	| SWAP NUMBER ';'     { $$ = ast_rule_new(A, R_LIMIT, S(@$)); $$->limit = LIM_SWAP; $$->num = $2; }
	| PIDS NUMBER ';'     { $$ = ast_rule_new(A, R_LIMIT, S(@$)); $$->limit = LIM_PIDS; $$->num = $2; }
	| CPU NUMBER ';'      { $$ = ast_rule_new(A, R_LIMIT, S(@$)); $$->limit = LIM_CPU; $$->num = $2; }
	| IO WEIGHT NUMBER ';' { $$ = ast_rule_new(A, R_LIMIT, S(@$)); $$->limit = LIM_IO_WEIGHT; $$->num = $3; }
	| FILES NUMBER ';'    { $$ = ast_rule_new(A, R_LIMIT, S(@$)); $$->limit = LIM_FILES; $$->num = $2; }
	| CPUTIME NUMBER ';'  { $$ = ast_rule_new(A, R_LIMIT, S(@$)); $$->limit = LIM_CPUTIME; $$->num = $2; }
	| FILESIZE NUMBER ';' { $$ = ast_rule_new(A, R_LIMIT, S(@$)); $$->limit = LIM_FILESIZE; $$->num = $2; }
	| WALLTIME NUMBER ';' { $$ = ast_rule_new(A, R_LIMIT, S(@$)); $$->limit = LIM_WALLTIME; $$->num = $2; }
	| error ';'           { $$ = NULL; }
	;

/* ---- process ---- */

proc_rules
	: %empty                 { $$ = (vec){0}; }
	| proc_rules proc_rule   { $$ = $1; if ($2) vec_push(A, &$$, $2); }
	;

/* proc_rule: user ID; | group ID; | caps none|CAPS; | env keep NAMES;
 *          | env set NAME = "v"; | hostname NAME; */
proc_rule
	: USER NUMBER ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_USER; $$->num = $2; $$->str = $2.text; }
	| USER IDENT ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_USER; $$->str = $2; $$->rights_where = S(@2); }
	| USER STRING ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_USER; $$->str = $2; $$->str_quoted = true; $$->rights_where = S(@2); }
	| GROUP NUMBER ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_GROUP; $$->num = $2; $$->str = $2.text; }
	| GROUP IDENT ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_GROUP; $$->str = $2; $$->rights_where = S(@2); }
	| GROUP STRING ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_GROUP; $$->str = $2; $$->str_quoted = true; $$->rights_where = S(@2); }
	| CAPS NONE ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_CAPS; $$->caps_none = true; }
	| CAPS names ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_CAPS; $$->elems = $2; }
	| ENV KEEP names ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_ENV_KEEP; $$->elems = $3; }
	| ENV SET IDENT '=' STRING ';'
		{
			$$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_ENV_SET;
			$$->env_name = $3; $$->env_name_where = S(@3); $$->str = $5; $$->str_quoted = true;
		}
	| HOSTNAME_KW STRING ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_HOSTNAME; $$->str = $2; $$->str_quoted = true; $$->rights_where = S(@2); }
	| HOSTNAME_KW IDENT ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_HOSTNAME; $$->str = $2; $$->rights_where = S(@2); }
	| HOSTNAME_KW host_text ';'
		{ $$ = ast_rule_new(A, R_PROCESS, S(@$)); $$->proc = PROC_HOSTNAME; $$->str = $2; $$->rights_where = S(@2); }
	| error ';'            { $$ = NULL; }
	;

/* ---- sets ---- */

set_elems_opt
	: %empty             { $$ = (vec){0}; }
	| set_elems
	| set_elems ','
	;

set_elems
	: set_elem                { $$ = vec_of(A, $1); }
	| set_elems ',' set_elem  { $$ = $1; vec_push(A, &$$, $3); }
	;

/* A set holds paths, endpoints or syscall names (and other sets). */
set_elem
	: PATH       { $$ = ast_path_elem(A, S(@1), $1); }
	| PARAMPATH  { $$ = ast_path_elem(A, S(@1), $1); }
	| SETREF     { $$ = ast_elem_new(A, EL_SETREF, S(@1), $1); }
	| STRING     { $$ = ast_elem_new(A, EL_STRING, S(@1), $1); $$->quoted = true; }
	| READ       { $$ = ast_elem_new(A, EL_NAME, S(@1), "read"); }
	| WRITE      { $$ = ast_elem_new(A, EL_NAME, S(@1), "write"); }
	| KILL       { $$ = ast_elem_new(A, EL_NAME, S(@1), "kill"); }
	| BIND       { $$ = ast_elem_new(A, EL_NAME, S(@1), "bind"); }
	| CONNECT    { $$ = ast_elem_new(A, EL_NAME, S(@1), "connect"); }
	| IOCTL      { $$ = ast_elem_new(A, EL_NAME, S(@1), "ioctl"); }
	| IDENT      { $$ = ast_elem_new(A, EL_NAME, S(@1), $1); }
	| IDENT ':' ports
		{
			ast_endpoint *ep = ast_endpoint_new(A, HOST_NAME, S(@1), $1);
			ep->any_port = $3->any_port; ep->ports = $3->ports; ep->nports = $3->nports;
			ep->port_where = S(@3);
			$$ = ast_elem_new(A, EL_ENDPOINT, S(@$), NULL); $$->ep = ep;
		}
	| STRING ':' ports
		{
			ast_endpoint *ep = ast_endpoint_new(A, HOST_QUOTED, S(@1), $1);
			ep->any_port = $3->any_port; ep->ports = $3->ports; ep->nports = $3->nports;
			ep->port_where = S(@3);
			$$ = ast_elem_new(A, EL_ENDPOINT, S(@$), NULL); $$->ep = ep;
		}
	| hostlit
		{ $$ = ast_elem_new(A, EL_ENDPOINT, S(@$), NULL); $$->ep = $1; }
	| hostlit ':' ports
		{
			$$ = ast_elem_new(A, EL_ENDPOINT, S(@$), NULL); $$->ep = $1;
			$1->any_port = $3->any_port; $1->ports = $3->ports; $1->nports = $3->nports;
			$1->port_where = S(@3);
		}
	;

%%

static ast_rule *net_rule(struct lex_state *st, YYLTYPE loc, bool deny, net_op op, vec eps,
			  ast_rule *from)
{
	ast_rule *r = ast_rule_new(A, R_NET, S(loc));
	r->deny = deny;
	r->op = op;
	r->elems = eps;
	if (from) {
		r->from = from->from;
		r->children = from->children;
	}
	return r;
}

static ast_item *assert_item(struct lex_state *st, YYLTYPE loc, assert_kind k, vec elems)
{
	ast_item *it = ast_item_new(A, IT_ASSERT, S(loc));
	it->akind = k;
	it->elems = elems;
	return it;
}

static ast_expr *cmp_expr(struct lex_state *st, YYLTYPE loc, char *arg, YYLTYPE argloc,
			  ast_value *mask, int op, ast_value *rhs)
{
	ast_expr *e = ast_expr_new(A, EX_CMP, S(loc));
	e->arg = arg;
	e->arg_where = S(argloc);
	e->mask = mask;
	e->op = (cmp_op)op;
	e->rhs = rhs;
	return e;
}

static void too_deep(struct lex_state *st, YYLTYPE loc)
{
	if (!st->reported_depth)
		osh_error(st->c, "too-deep", S(loc),
			  "this condition nests more than %d levels deep; split the rule",
			  AST_MAX_DEPTH);
	st->reported_depth = true;
	st->nsyntax_errors++;
}

/* Join two conditions; the depth stays bounded by flattening nothing but
 * refusing past AST_MAX_DEPTH (the right operand is dropped then). */
static ast_expr *expr_join(struct lex_state *st, YYLTYPE loc, expr_kind k, ast_expr *l,
			   ast_expr *r)
{
	int rd = r ? r->depth : 0;
	int d = 1 + (l->depth > rd ? l->depth : rd);
	if (d > AST_MAX_DEPTH) {
		too_deep(st, loc);
		return l;
	}
	ast_expr *e = ast_expr_new(A, k, S(loc));
	e->l = l;
	e->r = r;
	e->depth = d;
	return e;
}

static ast_value *value_or(struct lex_state *st, YYLTYPE loc, ast_value *l, ast_value *r)
{
	int d = 1 + (l->depth > r->depth ? l->depth : r->depth);
	if (d > AST_MAX_DEPTH) {
		too_deep(st, loc);
		return l;
	}
	ast_value *v = ast_value_new(A, VAL_OR, S(loc));
	v->l = l;
	v->r = r;
	v->depth = d;
	return v;
}

static void yyerror(YYLTYPE *loc, yyscan_t scanner, struct lex_state *st, const char *msg)
{
	(void)scanner;
	st->nsyntax_errors++;
	if (!strcmp(msg, "memory exhausted"))
		osh_error(st->c, "too-deep", S(*loc),
			  "the policy nests too deeply for the parser; split it up");
	else
		osh_error(st->c, "syntax", S(*loc), "%s", msg);
}

/* Tokens whose text varies: name the kind and quote the text. */
static bool token_has_text(yysymbol_kind_t t)
{
	switch (t) {
	case YYSYMBOL_IDENT:
	case YYSYMBOL_HOST:
	case YYSYMBOL_IPV4:
	case YYSYMBOL_CIDR4:
	case YYSYMBOL_IPV6:
	case YYSYMBOL_SETREF:
	case YYSYMBOL_PARAMPATH:
	case YYSYMBOL_PATH:
	case YYSYMBOL_STRING:
	case YYSYMBOL_NUMBER: return true;
	default: return false;
	}
}

/* "unexpected X; expected A, B or C".  When a ';' is missing at the end of a
 * line, point just after the previous token rather than at the next line. */
static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner,
				 struct lex_state *st)
{
	(void)scanner;
	enum { MAXEXP = 8 };
	yysymbol_kind_t expected[MAXEXP];
	int n = yypcontext_expected_tokens(ctx, expected, MAXEXP);
	yysymbol_kind_t tok = yypcontext_token(ctx);
	const YYLTYPE *loc = yypcontext_location(ctx);
	char buf[512];
	size_t len = 0;
	bool want_semi = false;
	for (int i = 0; i < n && i < MAXEXP; i++)
		want_semi |= !strcmp(yysymbol_name(expected[i]), "';'");
	span where = S(*loc);
	bool missing_semi = want_semi && st->prev_line > 0 && st->prev_line < loc->first_line;
	if (missing_semi) {
		where = (span){loc->file, st->prev_line, st->prev_col + 1, st->prev_line,
			       st->prev_col + 1};
		len += (size_t)snprintf(buf, sizeof(buf), "missing ';' at the end of this line");
	} else if (tok == YYSYMBOL_YYEOF) {
		len += (size_t)snprintf(buf, sizeof(buf), "unexpected end of file");
	} else {
		int linelen;
		const char *line = source_line(st->c, loc->file, loc->first_line, &linelen);
		int tl = loc->last_line == loc->first_line ? loc->last_column - loc->first_column + 1 : 0;
		bool show = line && tl > 0 && tl <= 40 && loc->first_column - 1 + tl <= linelen;
		if (token_has_text(tok) && show)
			len += (size_t)snprintf(buf, sizeof(buf), "unexpected %s '%.*s'",
						yysymbol_name(tok), tl, line + loc->first_column - 1);
		else if (show)
			len += (size_t)snprintf(buf, sizeof(buf), "unexpected '%.*s'", tl,
						line + loc->first_column - 1);
		else
			len += (size_t)snprintf(buf, sizeof(buf), "unexpected %s", yysymbol_name(tok));
	}
	if (!missing_semi && n > 0 && n < MAXEXP && len < sizeof(buf)) {
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "; expected ");
		for (int i = 0; i < n && len < sizeof(buf); i++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
						i == 0 ? "" : i == n - 1 ? " or " : ", ",
						yysymbol_name(expected[i]));
	}
	st->nsyntax_errors++;
	osh_error(st->c, "syntax", where, "%s", buf);
	return 0;
}

ast_file *parse_source(osh_ctx *c, int file)
{
	ast_file *f = arena_alloc(&c->arena, sizeof(*f));
	f->file = file;
	struct lex_state st = {.c = c, .f = f, .file = file, .line = 1, .col = 1};
	yyscan_t scanner;
	if (yylex_init_extra(&st, &scanner)) {
		osh_error(c, "internal", no_span, "cannot start the scanner");
		f->parse_failed = true;
		return f;
	}
	source *src = c->sources[file];
	YY_BUFFER_STATE b = yy_scan_bytes(src->text, (int)src->len, scanner);
	int rc = yyparse(scanner, &st);
	yy_delete_buffer(b, scanner);
	yylex_destroy(scanner);
	f->parse_failed = rc != 0 || st.nsyntax_errors > 0;
	return f;
}
