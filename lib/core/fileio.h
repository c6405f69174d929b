/* SPDX-License-Identifier: MIT */
/* core/fileio.h: private directories, atomic private files and SHA-256, for every
 * module that writes files (batch, the catalog tools, the record). */
#ifndef KL_CORE_FILEIO_H
#define KL_CORE_FILEIO_H

#include "core/core.h"

#include <stdbool.h>

/* Open (creating with mode 0700 where missing) the directory base/sub1/sub2...
 * Components below base are never followed if they are symbolic links.
 * Returns a directory fd (>= 0) or a negative KL_E code with the error set. */
int kl_core__open_dir(kl_context *ctx, const char *base, const char *const *subdirs,
                      size_t n_subdirs);

/* Write data to dirfd/name atomically: a temporary file in the same
 * directory (mode 0600), fsync, then rename. Without overwrite, an existing
 * name is never replaced (KL_EEXISTS). On any failure nothing is left
 * behind. display is the path used in messages. */
int kl_core__write_file(kl_context *ctx, int dirfd, const char *name, const char *display,
                        const void *data, size_t len, bool overwrite);

/* The same, the temporary named ".<name>.<tag>.tmp" after a run id (tag), so
 * the temporaries of a run that died can be told apart and removed. tag
 * NULL: a random one. */
int kl_core__write_file_tagged(kl_context *ctx, int dirfd, const char *name, const char *display,
                               const void *data, size_t len, bool overwrite, const char *tag);

/* Does dirfd hold any entry not starting with '.'? (an earlier batch) */
bool kl_core__dir_has_files(int dirfd);

/* SHA-256 of data as 64 lowercase hex digits plus NUL. */
void kl_core__sha256_hex(const void *data, size_t len, char out[65]);

#endif
