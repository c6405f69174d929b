/* SPDX-License-Identifier: MIT */
/* core/context.c: the context, last error, diagnostics and data search path. */
#include "core/core.h"
#include "kl_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DATADIRS 16

struct kl_context {
    kl_diagnostic_fn diag_fn;
    void *diag_userdata;

    bool has_error;
    kl_diagnostic last; /* strings below are owned copies */
    char *last_message;
    char *last_hint;
    char *last_source;
    char *last_member;

    size_t counts[3];

    char *datadirs[MAX_DATADIRS];
    size_t n_datadirs;
};

static int push_datadir(kl_context *ctx, const char *dir, size_t len, bool front)
{
    if (len == 0)
        return 0;
    if (ctx->n_datadirs == MAX_DATADIRS)
        return KL_ELIMIT;
    char *d = kl_core__strndup(dir, len);
    if (!d)
        return KL_ENOMEM;
    if (front) {
        memmove(ctx->datadirs + 1, ctx->datadirs, ctx->n_datadirs * sizeof *ctx->datadirs);
        ctx->datadirs[0] = d;
    } else {
        ctx->datadirs[ctx->n_datadirs] = d;
    }
    ctx->n_datadirs++;
    return 0;
}

KL_API int kl_context_new(kl_context **out)
{
    if (!out)
        return KL_EINVAL;
    *out = NULL;
    kl_context *ctx = kl_core__calloc(1, sizeof *ctx);
    if (!ctx)
        return KL_ENOMEM;
    const char *env = getenv("KINLETTER_DATADIR");
    int rc = 0;
    if (env && *env) {
        const char *p = env;
        while (!rc && *p) {
            const char *colon = strchr(p, ':');
            size_t len = colon ? (size_t)(colon - p) : strlen(p);
            rc = push_datadir(ctx, p, len, false);
            p += len + (colon ? 1 : 0);
        }
    }
    if (!rc)
        rc = push_datadir(ctx, KL_DATADIR, strlen(KL_DATADIR), false);
    if (rc && rc != KL_ELIMIT) {
        kl_context_free(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

static void clear_last(kl_context *ctx)
{
    kl_free(ctx->last_message);
    kl_free(ctx->last_hint);
    kl_free(ctx->last_source);
    kl_free(ctx->last_member);
    ctx->last_message = ctx->last_hint = ctx->last_source = ctx->last_member = NULL;
    memset(&ctx->last, 0, sizeof ctx->last);
    ctx->has_error = false;
}

KL_API void kl_context_free(kl_context *ctx)
{
    if (!ctx)
        return;
    clear_last(ctx);
    for (size_t i = 0; i < ctx->n_datadirs; i++)
        kl_free(ctx->datadirs[i]);
    kl_free(ctx);
}

KL_API int kl_context_add_datadir(kl_context *ctx, const char *dir)
{
    kl_context_clear_error(ctx);
    if (!ctx || !dir || !*dir)
        return kl_core__einval(ctx, __func__);
    int rc = push_datadir(ctx, dir, strlen(dir), true);
    if (rc == KL_ELIMIT)
        return kl_core__error(ctx, KL_ELIMIT, KL_NOWHERE, NULL,
                              "too many data directories (at most %d)", MAX_DATADIRS);
    return rc;
}

int kl_context__find_data_quiet(kl_context *ctx, const char *relpath, char **out)
{
    *out = NULL;
    for (size_t i = 0; i < ctx->n_datadirs; i++) {
        char *p = kl_core__path_join(ctx->datadirs[i], relpath);
        if (!p)
            return KL_ENOMEM;
        if (access(p, R_OK) == 0) {
            *out = p;
            return 0;
        }
        kl_free(p);
    }
    return KL_ENOTFOUND;
}

KL_API int kl_context_find_data(kl_context *ctx, const char *relpath, char **out)
{
    kl_context_clear_error(ctx);
    if (!ctx || !relpath || !out)
        return kl_core__einval(ctx, __func__);
    *out = NULL;
    for (size_t i = 0; i < ctx->n_datadirs; i++) {
        char *p = kl_core__path_join(ctx->datadirs[i], relpath);
        if (!p)
            return kl_core__oom(ctx);
        if (access(p, R_OK) == 0) {
            *out = p;
            return 0;
        }
        kl_free(p);
    }
    return kl_core__error(ctx, KL_ENOTFOUND, KL_NOWHERE,
                          "install kinletter (meson install), or set KINLETTER_DATADIR to the "
                          "directories that hold its data",
                          "data file '%s' not found in the data search path (%zu directories)",
                          relpath, ctx->n_datadirs);
}

KL_API void kl_context_set_diagnostics(kl_context *ctx, kl_diagnostic_fn fn, void *userdata)
{
    if (!ctx)
        return;
    ctx->diag_fn = fn;
    ctx->diag_userdata = userdata;
}

KL_API const kl_diagnostic *kl_context_last_error(const kl_context *ctx)
{
    return ctx && ctx->has_error ? &ctx->last : NULL;
}

KL_API void kl_context_clear_error(kl_context *ctx)
{
    if (ctx)
        clear_last(ctx);
}

KL_API size_t kl_context_count(const kl_context *ctx, kl_severity at_least)
{
    if (!ctx)
        return 0;
    size_t n = 0;
    for (int s = (int)at_least; s <= KL_SEVERITY_ERROR; s++)
        if (s >= 0)
            n += ctx->counts[s];
    return n;
}

static void emit(kl_context *ctx, kl_severity sev, int code, kl_where where, const char *hint,
                 const char *message, bool set_last)
{
    if (!ctx)
        return;
    ctx->counts[sev]++;
    kl_diagnostic d = {sev,          code,       message,      hint,
                       where.source, where.line, where.column, where.member_id};
    if (set_last) {
        clear_last(ctx);
        /* If a copy fails we keep what we could: the code still reaches the caller. */
        ctx->last_message = kl_core__strdup(message);
        ctx->last_hint = kl_core__strdup(hint);
        ctx->last_source = kl_core__strdup(where.source);
        ctx->last_member = kl_core__strdup(where.member_id);
        ctx->last = d;
        ctx->last.message = ctx->last_message ? ctx->last_message : kl_strerror(code);
        ctx->last.hint = ctx->last_hint;
        ctx->last.source = ctx->last_source;
        ctx->last.member_id = ctx->last_member;
        ctx->has_error = true;
    }
    if (ctx->diag_fn)
        ctx->diag_fn(&d, ctx->diag_userdata);
}

static int vreport(kl_context *ctx, kl_severity sev, int code, kl_where where, const char *hint,
                   bool set_last, const char *fmt, va_list ap)
{
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n >= (int)sizeof small) {
        char *big = kl_core__malloc((size_t)n + 1);
        if (big) {
            vsnprintf(big, (size_t)n + 1, fmt, ap);
            emit(ctx, sev, code, where, hint, big, set_last);
            kl_free(big);
            return code;
        }
    }
    emit(ctx, sev, code, where, hint, n < 0 ? kl_strerror(code) : small, set_last);
    return code;
}

int kl_core__error(kl_context *ctx, int code, kl_where where, const char *hint, const char *fmt,
                   ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(ctx, KL_SEVERITY_ERROR, code, where, hint, true, fmt, ap);
    va_end(ap);
    return code;
}

int kl_core__report(kl_context *ctx, int code, kl_where where, const char *hint, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(ctx, KL_SEVERITY_ERROR, code, where, hint, false, fmt, ap);
    va_end(ap);
    return code;
}

void kl_core__warn(kl_context *ctx, kl_severity sev, kl_where where, const char *hint,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(ctx, sev, 0, where, hint, false, fmt, ap);
    va_end(ap);
}

int kl_core__einval(kl_context *ctx, const char *fn)
{
    if (!ctx)
        return KL_EINVAL;
    return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE,
                          "pass the objects the function documents (none may be NULL) and values "
                          "within their range",
                          "%s: an argument is missing or out of range", fn);
}

void kl_context__get_diagnostics(const kl_context *ctx, kl_diagnostic_fn *fn, void **userdata)
{
    *fn = ctx ? ctx->diag_fn : NULL;
    *userdata = ctx ? ctx->diag_userdata : NULL;
}

void kl_context__set_last(kl_context *ctx, int code, kl_where where, const char *hint,
                          const char *prefix, const char *message)
{
    if (!ctx)
        return;
    kl_buf b = KL_BUF_INIT;
    if (prefix)
        kl_core__buf_printf(&b, "%s: ", prefix);
    kl_core__buf_puts(&b, message);
    char *msg = b.oom ? NULL : kl_core__buf_detach(&b);
    kl_core__buf_free(&b);
    clear_last(ctx);
    ctx->last_message = msg;
    ctx->last_hint = kl_core__strdup(hint);
    ctx->last_source = kl_core__strdup(where.source);
    ctx->last_member = kl_core__strdup(where.member_id);
    ctx->last = (kl_diagnostic){KL_SEVERITY_ERROR,
                                code,
                                msg ? msg : kl_strerror(code),
                                ctx->last_hint,
                                ctx->last_source,
                                where.line,
                                where.column,
                                ctx->last_member};
    ctx->has_error = true;
}

int kl_core__oom(kl_context *ctx)
{
    /* Avoid allocating while reporting: a static message, no copies. */
    if (ctx) {
        clear_last(ctx);
        ctx->last.severity = KL_SEVERITY_ERROR;
        ctx->last.code = KL_ENOMEM;
        ctx->last.message = kl_strerror(KL_ENOMEM);
        ctx->has_error = true;
        ctx->counts[KL_SEVERITY_ERROR]++;
        if (ctx->diag_fn)
            ctx->diag_fn(&ctx->last, ctx->diag_userdata);
    }
    return KL_ENOMEM;
}

KL_API const char *kl_strerror(int code)
{
    switch (code) {
    case KL_OK:
        return "no error";
    case KL_ENOMEM:
        return "out of memory";
    case KL_EINVAL:
        return "invalid argument";
    case KL_EIO:
        return "input/output error";
    case KL_ENOTFOUND:
        return "not found";
    case KL_EPARSE:
        return "input is not well-formed";
    case KL_EFORMAT:
        return "input breaks the format's rules";
    case KL_EBACKEND:
        return "a library kinletter depends on failed";
    case KL_EEXISTS:
        return "output already exists";
    case KL_EDATA:
        return "a family member's data is incomplete for this output";
    case KL_ELIMIT:
        return "input is too large";
    case KL_EBUSY:
        return "in use by another run";
    case KL_EINTR:
        return "interrupted";
    default:
        return "unknown error";
    }
}

KL_API const char *kl_version(void)
{
    return KL_VERSION;
}

KL_API unsigned kl_version_num(void)
{
    return KL_VERSION_NUM;
}
