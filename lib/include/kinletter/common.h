/* SPDX-License-Identifier: MIT */
/* kinletter/common.h: the context, error codes, diagnostics and version. */
#ifndef KINLETTER_COMMON_H
#define KINLETTER_COMMON_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(KL_BUILDING_LIBRARY) && defined(__GNUC__)
#define KL_API __attribute__((visibility("default")))
#else
#define KL_API
#endif

/**
 * Error codes. Every fallible call returns 0 or one of these (negative).
 * The detail (message, file, line, column) is on the context: see
 * kl_context_last_error().
 */
typedef enum kl_error_code {
    KL_OK = 0,
    KL_ENOMEM = -1,    /**< Out of memory. */
    KL_EINVAL = -2,    /**< Invalid argument from the caller (a programming error). */
    KL_EIO = -3,       /**< A file could not be read or written. */
    KL_ENOTFOUND = -4, /**< A named thing (file, member, message, font) does not exist. */
    KL_EPARSE = -5,    /**< Input is not well-formed (XML, CSV, ICU syntax, UTF-8). */
    KL_EFORMAT = -6,   /**< Input is well-formed but breaks the format's rules. */
    KL_EBACKEND = -7,  /**< A dependency (ICU, libharu, HarfBuzz...) failed. */
    KL_EEXISTS = -8,   /**< An output already exists and overwriting was not allowed. */
    KL_EDATA = -9,     /**< A member's data is incomplete or unsafe for this output. */
    KL_ELIMIT = -10,   /**< Input exceeds a size, depth or count limit. */
    KL_EBUSY = -11,    /**< Another run holds the output (the batch directory's lock). */
    KL_EINTR = -12     /**< Stopped on request (a signal) before the end; what was done is
                            recorded. */
} kl_error_code;

/** Severity of a diagnostic. */
typedef enum kl_severity {
    KL_SEVERITY_NOTE = 0,
    KL_SEVERITY_WARNING = 1,
    KL_SEVERITY_ERROR = 2
} kl_severity;

/**
 * A problem found in input, with where it is and what to do.
 * All strings are borrowed and valid only during the callback (or, for the
 * last error, until the next call on the same context).
 */
typedef struct kl_diagnostic {
    kl_severity severity;
    int code;              /**< A kl_error_code, or 0 for warnings and notes. */
    const char *message;   /**< What is wrong, one sentence. */
    const char *hint;      /**< What to do about it, or NULL. */
    const char *source;    /**< File name (or buffer name), or NULL. */
    unsigned line;         /**< 1-based line (CSV: row), 0 if unknown. */
    unsigned column;       /**< 1-based column (CSV: column number), 0 if unknown. */
    const char *member_id; /**< The family member concerned, or NULL. */
} kl_diagnostic;

/** Receives warnings and errors as they are found. */
typedef void (*kl_diagnostic_fn)(const kl_diagnostic *diag, void *userdata);

/** An opaque library context: data paths, diagnostics, the last error. */
typedef struct kl_context kl_context;

/**
 * Create a context. Data files (templates, compiled catalogs, fonts, the
 * example review) are searched for in the directories named by the
 * KINLETTER_DATADIR environment variable (colon-separated), then in the
 * installed data directory.
 *
 * @param out receives the new context; the caller owns it (kl_context_free).
 * @return 0, or KL_ENOMEM.
 */
KL_API int kl_context_new(kl_context **out);

/** Free a context. NULL is allowed. */
KL_API void kl_context_free(kl_context *ctx);

/**
 * Put a directory first in the data search path (for example a working copy
 * of the project, or a translator's directory).
 *
 * @param ctx the context.
 * @param dir the directory; copied.
 * @return 0, KL_EINVAL or KL_ENOMEM.
 */
KL_API int kl_context_add_datadir(kl_context *ctx, const char *dir);

/**
 * Find a data file by its relative name (for example
 * "templates/notification.xml") along the data search path.
 *
 * @param ctx the context.
 * @param relpath the relative name.
 * @param out receives a newly allocated absolute path; free with kl_free().
 * @return 0, KL_ENOTFOUND (error set on ctx) or KL_ENOMEM.
 */
KL_API int kl_context_find_data(kl_context *ctx, const char *relpath, char **out);

/**
 * Set the diagnostics callback. Without one, diagnostics are counted but
 * not reported anywhere.
 *
 * @param ctx the context.
 * @param fn the callback, or NULL to remove it.
 * @param userdata passed back to fn unchanged.
 */
KL_API void kl_context_set_diagnostics(kl_context *ctx, kl_diagnostic_fn fn, void *userdata);

/**
 * The last error recorded on the context, or NULL if the last fallible call
 * succeeded. Borrowed: valid until the next call on the same context.
 */
KL_API const kl_diagnostic *kl_context_last_error(const kl_context *ctx);

/** Forget the last error. */
KL_API void kl_context_clear_error(kl_context *ctx);

/** Number of diagnostics of at least the given severity reported so far. */
KL_API size_t kl_context_count(const kl_context *ctx, kl_severity at_least);

/** A short English name for an error code ("out of memory"). Static string. */
KL_API const char *kl_strerror(int code);

/** The version of these headers (the meson project's version; the build
 * checks they agree). Compare KL_VERSION_NUM at compile time, and
 * kl_version_num() to learn which library was loaded at run time. */
#define KL_VERSION_MAJOR  1
#define KL_VERSION_MINOR  0
#define KL_VERSION_PATCH  0
#define KL_VERSION_STRING "1.0.0"
#define KL_VERSION_NUM    (KL_VERSION_MAJOR * 10000 + KL_VERSION_MINOR * 100 + KL_VERSION_PATCH)

/** The library version as "MAJOR.MINOR.PATCH". Static string. */
KL_API const char *kl_version(void);

/** The library version as MAJOR * 10000 + MINOR * 100 + PATCH (the
 * KL_VERSION_NUM of the headers it was built with). */
KL_API unsigned kl_version_num(void);

/** Free memory that the library handed to the caller (strings, buffers). */
KL_API void kl_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif
