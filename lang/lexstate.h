/*
 * lexstate.h - what the scanner and the parser share while reading one file.
 */
#ifndef OSH_LEXSTATE_H
#define OSH_LEXSTATE_H

#include "osh.h"

struct lex_state {
        osh_ctx *c;
        ast_file *f;
        int file;
        int line, col;           /* position of the next character */
        int last_token_line;     /* to tell trailing comments from leading ones */
        int prev_line, prev_col; /* end of the token before the last one */
        int cur_line, cur_col;   /* end of the last token */
        int nsyntax_errors;
        bool reported_depth; /* one too-deep error per file is enough */
};

#endif
