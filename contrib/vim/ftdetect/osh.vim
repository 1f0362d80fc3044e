" ftdetect for oshc policy files (*.osh): see contrib/vim/syntax/osh.vim.
autocmd BufRead,BufNewFile *.osh setfiletype osh
