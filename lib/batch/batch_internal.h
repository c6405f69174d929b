/* SPDX-License-Identifier: MIT */
/* batch/batch_internal.h: private output files and the batch record. */
#ifndef KL_BATCH_INTERNAL_H
#define KL_BATCH_INTERNAL_H

#include "core/core.h"
#include "core/fileio.h"
#include "kinletter/review.h"

/* ---- the batch directory: lock, manifest, temporaries ------------------- */

typedef struct kl_rundir {
    int dirfd;                /* the batch directory (borrowed) */
    const char *display;      /* its path, for messages (borrowed) */
    int lockfd, manifest_fd;  /* -1 when not open */
    char run_id[40];          /* "r<hex time>-<pid>" */
    size_t stale_temporaries; /* temporaries of dead runs removed */
    size_t removed;           /* files of earlier runs removed (force) */
} kl_rundir;

/* Take the advisory lock (.kinletter.lock, flock) for the whole run, and
 * make the run id. KL_EBUSY, naming the holder's process id, when another
 * run holds it; nothing is changed then. */
int kl_batch__lock(kl_context *ctx, kl_rundir *rd);
/* With the lock held: without force, KL_EEXISTS when the directory holds
 * files; with force, KL_EEXISTS naming the first entry that no earlier
 * run's manifest lists (nothing changed), else remove the listed files.
 * Either way remove the temporaries of dead runs (a warning says how many
 * and which run), then start this run's manifest. */
int kl_batch__prepare(kl_context *ctx, kl_rundir *rd, bool force);
/* List name in the manifest before it is put in place (a file listed may
 * be missing, never the other way round). 0 or KL_EIO. Thread-safe. */
int kl_batch__manifest_add(kl_rundir *rd, const char *name);
/* End the manifest ("end <run> <how>", how may be NULL) and release the lock. */
void kl_batch__rundir_close(kl_rundir *rd, const char *how);

/* ---- the batch record (CSV) --------------------------------------------- */

/* Append one CSV cell (RFC 4180 quoting). Cells a spreadsheet would read as
 * a formula (starting with = + - @, tab or carriage return) are neutralised
 * with a leading apostrophe. first: no separator before it. */
int kl_batch__csv_cell(kl_buf *b, const char *value, bool first);
/* Append a whole row of n cells and a CRLF. */
int kl_batch__csv_row(kl_buf *b, const char *const *cells, size_t n);

/* ---- the cover note ------------------------------------------------------ */

/* A copy of review in which every member's letter is in English (en-GB),
 * single-language, standard print and reading, keeping the interpreter
 * need: the cover note for the professional is composed from it. *out is
 * owned by the caller. 0, KL_ENOMEM, or the loader's code with the error set. */
int kl_batch__english_review(kl_context *ctx, const kl_review *review, kl_review **out);

#endif
