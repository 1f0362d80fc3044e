/*
 * arena.c - one bump allocator per compilation.
 *
 * The AST, the IR and every message live in the compilation's arena and are
 * freed together by arena_free().  Chunks grow geometrically; a request
 * larger than a chunk gets a chunk of its own.  Allocation failure is fatal:
 * a compiler that ran out of memory has nothing sensible left to do.
 */
#include "osh.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
        arena_chunk *next;
        size_t used, size;
        _Alignas(16) unsigned char data[];
};

#define ARENA_MIN_CHUNK (64 * 1024)

void *arena_alloc(arena *a, size_t n)
{
        n = (n + 15) & ~(size_t)15;
        arena_chunk *c = a->head;
        if (!c || c->size - c->used < n) {
                size_t size = a->total < ARENA_MIN_CHUNK ? ARENA_MIN_CHUNK : a->total;
                if (size < n)
                        size = n;
                c = malloc(sizeof(*c) + size);
                if (!c) {
                        fprintf(stderr, "oshc: out of memory (arena chunk of %zu bytes)\n", size);
                        abort();
                }
                c->used = 0;
                c->size = size;
                c->next = a->head;
                a->head = c;
                a->total += size;
        }
        void *p = c->data + c->used;
        c->used += n;
        memset(p, 0, n);
        return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
        char *p = arena_alloc(a, n + 1);
        memcpy(p, s, n);
        p[n] = 0;
        return p;
}

char *arena_strdup(arena *a, const char *s)
{
        return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(arena *a, const char *fmt, va_list ap)
{
        va_list ap2;
        va_copy(ap2, ap);
        int n = vsnprintf(NULL, 0, fmt, ap2);
        va_end(ap2);
        char *p = arena_alloc(a, (size_t)n + 1);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        return p;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *p = arena_vprintf(a, fmt, ap);
        va_end(ap);
        return p;
}

void arena_free(arena *a)
{
        arena_chunk *c = a->head;
        while (c) {
                arena_chunk *next = c->next;
                free(c);
                c = next;
        }
        a->head = NULL;
        a->total = 0;
}

void vec_push(arena *a, vec *v, void *item)
{
        if (v->n == v->cap) {
                int cap = v->cap ? v->cap * 2 : 4;
                void **items = arena_alloc(a, sizeof(void *) * (size_t)cap);
                if (v->n)
                        memcpy(items, v->items, sizeof(void *) * (size_t)v->n);
                v->items = items;
                v->cap = cap;
        }
        v->items[v->n++] = item;
}
