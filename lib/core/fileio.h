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

/* A file written as it is made (a print pack written as it is saved, not
 * held in memory first), as durable as kl_core__write_file_tagged: open
 * creates the temporary ".<name>.<tag>.tmp" (mode 0600); write appends to
 * it; close fsyncs and closes it and puts it in place under name (rename,
 * never over an existing file without overwrite). A failed write or close
 * removes the temporary and sets the error (display, what to do); abort
 * (safe to call again, or after a failure) closes and removes it. */
typedef struct kl_core_stream {
    int fd, dirfd;
    const char *display;
    char tmp[300];
} kl_core_stream;
int kl_core__stream_open(kl_context *ctx, kl_core_stream *f, int dirfd, const char *name,
                         const char *display, const char *tag);
int kl_core__stream_write(kl_context *ctx, kl_core_stream *f, const void *data, size_t len);
int kl_core__stream_close(kl_context *ctx, kl_core_stream *f, const char *name, bool overwrite);
void kl_core__stream_abort(kl_core_stream *f);

/* Durable without an fsync per file, for many files at once: stage each
 * (write ".<name>.<tag>.tmp", no fsync), kl_core__sync_dir(whole_fs) once
 * so every temporary is on the disk, place each (rename; nothing is left
 * behind on failure, the temporary included), then kl_core__sync_dir once
 * more for the renames. A crash at any point leaves the old file or the
 * new one, never part of one; temporaries carry the tag so a later run can
 * remove a dead run's. tmp receives the temporary's name. */
int kl_core__stage_file(kl_context *ctx, int dirfd, const char *name, const char *display,
                        const void *data, size_t len, const char *tag, char tmp[300]);
/* whole_fs: syncfs (every file on dirfd's filesystem), else fsync of the
 * directory itself (its entries: the renames). */
int kl_core__sync_dir(kl_context *ctx, int dirfd, const char *display, bool whole_fs);
int kl_core__place_file(kl_context *ctx, int dirfd, const char *tmp, const char *name,
                        const char *display, bool overwrite);

/* Does dirfd hold any entry not starting with '.'? (an earlier batch) */
bool kl_core__dir_has_files(int dirfd);

/* SHA-256 of data as 64 lowercase hex digits plus NUL. */
void kl_core__sha256_hex(const void *data, size_t len, char out[65]);

#endif
