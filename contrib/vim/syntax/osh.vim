" Vim syntax file for the oshc policy language (.osh): docs/language.md.
" The keyword list follows lang/lexer.l.  Installed by `make install` to
" PREFIX/share/vim/vimfiles/syntax (on Vim's runtimepath for PREFIX=/usr;
" for /usr/local, add `set runtimepath+=/usr/local/share/vim/vimfiles`),
" or copy contrib/vim/* to ~/.vim/.

if exists("b:current_syntax")
  finish
endif

syn case match
setlocal iskeyword=@,48-57,_,-

" declarations and items
syn keyword oshDeclaration import set param fragment policy
syn keyword oshItem        use within requires landlock arch assert never waive
" sections
syn keyword oshSection     fs net syscalls limits process
" actions
syn keyword oshAction      allow deny default kill trap log notify errno
" rights and request kinds
syn keyword oshRight       read write exec ioctl connect bind http syscall
" connectives
syn keyword oshOperator    from and children when in not
" limits and process settings
syn keyword oshSetting     memory swap pids cpu io weight files cputime filesize walltime
syn keyword oshSetting     user group caps none env keep hostname

" names of constants: errno values, AF_*, CLONE_*, O_*, CAP_* ...
syn match oshConstant      "\<[A-Z][A-Z0-9]*_[A-Z0-9_]\+\>"
syn match oshConstant      "\<E[A-Z0-9]\{2,}\>"

" numbers, with their units
syn match oshNumber        "\<0x\x\+\>"
syn match oshNumber        "\<\d\+\%(\.\d\+\)\=\%(B\|KiB\|K\|MiB\|M\|GiB\|G\|TiB\|T\|ms\|s\|m\|h\)\=\>"
syn match oshNumber        "\<\d\+\%(\.\d\+\)\=%"

" @sets and $PARAMS (a parameter path keeps its tail)
syn match oshSet           "@[A-Za-z_][A-Za-z0-9_]*\%(-[A-Za-z0-9_]\+\)*"
syn match oshParam         "\$[A-Za-z_][A-Za-z0-9_]*\%(/[^[:space:],;{}]*\)\="

" unquoted paths: from / to whitespace , ; { }  (# inside is part of it)
syn match oshPath          "\%(^\|[[:space:],{(=]\)\@1<=/[^[:space:],;{}]*"

syn region oshString       start=+"+ skip=+\\\\\|\\"+ end=+"+ oneline contains=oshEscape
syn match oshEscape        contained +\\[\\"nt]+

" # starts a comment, except inside a path
syn match oshComment       "\%(^\|[[:space:];{},]\)\@1<=#.*$" contains=oshTodo
syn keyword oshTodo        contained TODO FIXME XXX NOTE

hi def link oshDeclaration Statement
hi def link oshItem        Statement
hi def link oshSection     Structure
hi def link oshAction      Keyword
hi def link oshRight       Type
hi def link oshOperator    Operator
hi def link oshSetting     Identifier
hi def link oshConstant    Constant
hi def link oshNumber      Number
hi def link oshSet         Special
hi def link oshParam       PreProc
hi def link oshPath        Directory
hi def link oshString      String
hi def link oshEscape      SpecialChar
hi def link oshComment     Comment
hi def link oshTodo        Todo

let b:current_syntax = "osh"
