/* SPDX-License-Identifier: MIT */
/* core/core.h: internal core API shared by every module (never installed). */
#ifndef KL_CORE_H
#define KL_CORE_H

#include "kinletter/common.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define KL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define KL_PRINTF(a, b)
#endif

/* ---- allocation ---------------------------------------------------------
 * Every allocation in the library goes through these so tests can make the
 * n-th one fail (kl_core__alloc_fail_at). They never abort. */
void *kl_core__malloc(size_t n);
void *kl_core__calloc(size_t count, size_t size);
void *kl_core__realloc(void *p, size_t n);
char *kl_core__strdup(const char *s);
char *kl_core__strndup(const char *s, size_t n);
/* kl_free is public (common.h). */

/* ---- growable arrays -----------------------------------------------------
 * KL_GROW(arr, cap, need): make room for `need` items in the array `arr`
 * whose capacity is `cap` (both lvalues; `arr` a typed pointer). Capacity
 * doubles from 8 until it holds `need`; returns 0, or KL_ENOMEM with `arr`
 * and `cap` untouched (so the caller's cleanup still frees the old array).
 *
 *     if ((rc = KL_GROW(list->items, list->cap, list->n + 1)) < 0)
 *         goto done;
 *     list->items[list->n++] = item;
 */
#define KL_GROW(arr, cap, need)                                                                    \
    ((size_t)(need) <= (cap) ? 0 : kl_core__grow((void *)&(arr), &(cap), (need), sizeof *(arr)))
int kl_core__grow(void *arrp, size_t *cap, size_t need, size_t item_size);
/* KL_SHRINK(arr, cap, n): the array at its size, n items (a kept array KL_GROW doubled); kept
 * as it is when realloc cannot (still valid) or n is 0. */
#define KL_SHRINK(arr, cap, n) kl_core__shrink((void *)&(arr), &(cap), (n), sizeof *(arr))
void kl_core__shrink(void *arrp, size_t *cap, size_t n, size_t item_size);

/* Test hook: make allocation number n (1-based, counted from now) and every
 * later one fail when sticky, or only that one otherwise; 0 disables. */
void kl_core__alloc_fail_at(unsigned long n, bool sticky);
/* Allocations counted since the last kl_core__alloc_fail_at call. */
unsigned long kl_core__alloc_count(void);
/* The caller's return address at the allocation the hook last made fail, or NULL. */
void *kl_core__alloc_failed_site(void);
/* Test hook: record the call site of allocation n (counted as above) in
 * sites[n - 1] for n <= cap; NULL stops recording. */
void kl_core__alloc_trace(void **sites, size_t cap);

/* ---- growable buffer ---------------------------------------------------- */
typedef struct kl_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    bool oom; /* an append failed; further appends are ignored */
} kl_buf;

#define KL_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0, false                                                                          \
    }

int kl_core__buf_reserve(kl_buf *b, size_t extra);
int kl_core__buf_append(kl_buf *b, const void *data, size_t len);
int kl_core__buf_puts(kl_buf *b, const char *s);
int kl_core__buf_putc(kl_buf *b, char c);
int kl_core__buf_printf(kl_buf *b, const char *fmt, ...) KL_PRINTF(2, 3);
int kl_core__buf_vprintf(kl_buf *b, const char *fmt, va_list ap);
void kl_core__buf_clear(kl_buf *b);
void kl_core__buf_free(kl_buf *b);
/* Hand the contents to the caller (never NULL on success: "" for empty). */
char *kl_core__buf_detach(kl_buf *b);

/* ---- errors and diagnostics --------------------------------------------- */
typedef struct kl_where {
    const char *source;
    unsigned line;
    unsigned column;
    const char *member_id;
} kl_where;

/* Record the last error on ctx, report it to the diagnostics callback and
 * return code (so callers write `return kl_core__error(...)`). hint may be NULL. */
int kl_core__error(kl_context *ctx, int code, kl_where where, const char *hint, const char *fmt,
                   ...) KL_PRINTF(5, 6);
/* Report a warning or note (does not change the last error). */
void kl_core__warn(kl_context *ctx, kl_severity sev, kl_where where, const char *hint,
                   const char *fmt, ...) KL_PRINTF(5, 6);
/* Report a diagnostic as an error without making it the last error (for
 * validation that collects many problems); returns code. */
int kl_core__report(kl_context *ctx, int code, kl_where where, const char *hint, const char *fmt,
                    ...) KL_PRINTF(5, 6);
#define KL_NOWHERE       ((kl_where){NULL, 0, 0, NULL})
#define KL_AT(src, l, c) ((kl_where){(src), (l), (c), NULL})
/* Shorthand for out-of-memory. */
int kl_core__oom(kl_context *ctx);
/* A public function's bad argument: KL_EINVAL with a message naming the
 * function (fn: __func__), or plain KL_EINVAL when ctx itself is NULL. */
int kl_core__einval(kl_context *ctx, const char *fn);
/* The diagnostics callback now installed (to wrap it for a while). */
void kl_context__get_diagnostics(const kl_context *ctx, kl_diagnostic_fn *fn, void **userdata);
/* kl_context_find_data without a report: 0 (*out allocated), KL_ENOTFOUND
 * (nothing reported, the last error untouched) or KL_ENOMEM. */
int kl_context__find_data_quiet(kl_context *ctx, const char *relpath, char **out);
/* Replace the last error (not reported again): "prefix: message". */
void kl_context__set_last(kl_context *ctx, int code, kl_where where, const char *hint,
                          const char *prefix, const char *message);

/* ---- caller-allocated output structs ------------------------------------
 * They start with `size_t size`, which the caller sets to sizeof the struct
 * of the header it was built with (the _INIT macro does). kl_core__out_size_ok: 1
 * when *out says at least min bytes (the struct as first released), else 0.
 * kl_core__out_copy: copy full (full_size bytes, a filled struct of this library)
 * into out as far as out's size says, keeping out's size. */
int kl_core__out_size_ok(const void *out, size_t min);
void kl_core__out_copy(void *out, const void *full, size_t full_size);

/* ---- small utilities ---------------------------------------------------- */
/* Read a whole file (at most max bytes, else KL_ELIMIT). Result NUL-terminated. */
int kl_core__read_file(kl_context *ctx, const char *path, size_t max, char **out, size_t *len);
/* Is s valid UTF-8 with no NUL? On failure *bad_offset is the first bad byte. */
bool kl_core__utf8_valid(const char *s, size_t len, size_t *bad_offset);
/* Line and column (1-based, column counted in characters) of a byte offset. */
void kl_core__line_col(const char *s, size_t offset, unsigned *line, unsigned *col);
/* Directory part of a path (allocated), "." if none. */
char *kl_core__path_dirname(const char *path);
/* Join dir and name unless name is absolute (allocated). */
char *kl_core__path_join(const char *dir, const char *name);
/* A civil date "YYYY-MM-DD" (Gregorian, year 1900-9999): 0 and the parts;
 * -1 when not written that way; -2 when no such day (2027-02-30). */
int kl_core__civil_date(const char *s, int *year, int *month, int *day);

#endif
