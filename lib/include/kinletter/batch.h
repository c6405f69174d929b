/* SPDX-License-Identifier: MIT */
/* kinletter/batch.h: every letter of a review, written privately, with a batch record. */
#ifndef KINLETTER_BATCH_H
#define KINLETTER_BATCH_H

#include "common.h"
#include "letter.h"
#include "review.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a batch is doing when it calls the progress callback. */
typedef enum kl_batch_phase {
    KL_BATCH_PHASE_LOADING = 0, /**< loading the template, catalogs and fonts (once, first) */
    KL_BATCH_PHASE_COMPOSING,   /**< composing a member's letters (member_id set) */
    KL_BATCH_PHASE_RENDERING,   /**< rendering one of a member's letters (member_id, channel) */
    KL_BATCH_PHASE_WRITING,     /**< writing a member's files (member_id set; not in a dry run
                                     or with an output callback) */
    KL_BATCH_PHASE_MEMBER_DONE, /**< a member is finished: done counts it; in member order */
    KL_BATCH_PHASE_PRINT_PACK,  /**< before the print packs are made (once; not in a dry run) */
    KL_BATCH_PHASE_RECORD       /**< completing the batch record (once, last) */
} kl_batch_phase;

/** Where a batch has got to. Made by the library, borrowed for the call;
 * fields may be added at the end (size says how many there are). */
typedef struct kl_batch_progress {
    size_t size;           /**< sizeof the library's kl_batch_progress */
    kl_batch_phase phase;  /**< what is being done */
    size_t done;           /**< members finished so far (0..total) */
    size_t total;          /**< members to do (after the member filter); 0 while loading */
    const char *member_id; /**< the member concerned, or NULL (loading, print pack, record) */
    const char *channel;   /**< KL_BATCH_PHASE_RENDERING: "post", "email", "sms",
                                "via-professional"; else NULL */
} kl_batch_progress;

/**
 * Told where the batch has got to; may stop it. Calls come from the
 * batch's worker threads (and the calling thread), one at a time, never
 * two at once; KL_BATCH_PHASE_MEMBER_DONE calls come in member order. Keep
 * it short (the workers wait while it runs) and do not call the library
 * with the batch's context from it.
 *
 * @param progress where the batch is. Borrowed for the call.
 * @param userdata kl_batch_options.progress_userdata.
 * @return 0 to go on; nonzero to stop as kl_batch_options.interrupt does:
 *         no further member is started, the members under way are
 *         finished, no print pack is made, the record lists what was done
 *         and kl_batch_generate() returns KL_EINTR. Ignored in
 *         KL_BATCH_PHASE_RECORD (the record is always completed).
 */
typedef int (*kl_batch_progress_fn)(const kl_batch_progress *progress, void *userdata);

/** Options for kl_batch_generate(). Initialise with KL_BATCH_OPTIONS_INIT. */
typedef struct kl_batch_options {
    unsigned version; /**< KL_BATCH_OPTIONS_VERSION */
    /** A bundled template name ("notification") or a template file (a path
     * with '/' or ending ".xml"); NULL = "notification". */
    const char *template_name;
    /** Only these member ids (n_members of them); NULL = every member. The
     * others are listed in the record as skipped. An unknown id is an error. */
    const char *const *members;
    size_t n_members;
    /** The output directory; the batch goes to DIR/<review id>/<template>/.
     * NULL = "letters". */
    const char *output_dir;
    /** Worker threads; 0 = one per online processor. */
    unsigned jobs;
    /** 0: refuse a batch directory that already holds files (KL_EEXISTS,
     * nothing is changed). 1: replace the files there; files of an earlier
     * run that this run does not write are removed, so no stale letter is
     * left next to a new record. */
    int force;
    /** As kl_letter_options.allow_language_fallback. */
    int allow_language_fallback;
    /** "YYYY-MM-DD": the letter date, overriding the review's; NULL = the
     * review's date. */
    const char *date;
    /** The PDFs' creation date "YYYY-MM-DDTHH:MM:SSZ", for reproducible
     * output; NULL = noon UTC of `date` when given, else now. */
    const char *creation_date;
    /** A directory of compiled catalogs; NULL = `locales/` on the data path. */
    const char *locales_dir;
    /** Progress callback (which may stop the batch), or NULL. */
    kl_batch_progress_fn progress;
    void *progress_userdata;
    /** (version 2) Polled between members: when *interrupt is nonzero no
     * further member is started; the members under way are finished, the
     * record lists what was done, and kl_batch_generate() returns KL_EINTR.
     * Point it at a `volatile sig_atomic_t` (an int) a signal handler sets.
     * NULL: never. */
    const volatile int *interrupt;
    /** (version 2) 1: do everything but write: every letter is composed,
     * rendered and checked in memory, diagnostics and the result are as a
     * real run's (files listed as if written), and nothing on disk is made
     * or changed (no directory, lock, record or print pack). What `kinletter
     * check` runs to say beforehand what `generate` would refuse. */
    int dry_run;
    /** (version 3) The family's questions and answers for the template's
     * `<questions>` element (the outcome letter; the update letter when
     * asked): each entry's member_id says whose letter prints it, so every
     * member's letter holds only that member's own. NULL: none. Borrowed
     * for the call. */
    const kl_letter_qa *qa;
    size_t n_qa;
    /** (version 4) 1: every email member's PDF is encrypted with AES-256
     * (PDF 2.0, R6) under a new random password of four common words;
     * printing, copying and accessibility extraction stay allowed. The
     * password is written to `<id>-password-sms.txt` (a text message to send
     * the member, or read out on a call), whose row has no SHA-256 (a hash
     * would let the password be guessed offline); the .eml attaches the
     * protected PDF. The review's `<protect email="true"/>` asks for the same. 0:
     * only when the review asks. Protected output differs from run to run. */
    int protect;
    /** (version 4) 1: also write GOV.UK Notify's upload files beside the
     * letters, `notify-email.csv` (email address, subject, body) and
     * `notify-sms.csv` (phone number, body), one row per member written, for
     * a Notify template whose subject is ((subject)) and whose message is
     * ((body)). They hold every such member's address or number, so they are
     * made only when asked. 0: not. */
    int notify;
} kl_batch_options;

/* Versions 1 to 3 (without the later fields) are still accepted. */
#define KL_BATCH_OPTIONS_VERSION 4
#define KL_BATCH_OPTIONS_INIT                                                                      \
    {                                                                                              \
        KL_BATCH_OPTIONS_VERSION, NULL, NULL, 0, NULL, 0, 0, 0, NULL, NULL, NULL, NULL, NULL,      \
            NULL, 0, NULL, 0, 0, 0                                                                 \
    }

/** What happened to one output (one row of the batch record). */
typedef enum kl_batch_status {
    KL_BATCH_WRITTEN = 0,       /**< the file was written */
    KL_BATCH_FAILED = 1,        /**< nothing was written for the member: see reason */
    KL_BATCH_NOT_CONTACTED = 2, /**< contact="none": reason is the review's */
    KL_BATCH_SKIPPED = 3        /**< not selected by the member filter */
} kl_batch_status;

/**
 * One row of the batch record: one file written, or one member or channel
 * for which nothing was written. Strings are borrowed from the result; ""
 * when not applicable. Never holds an address, phone number or email.
 */
typedef struct kl_batch_row {
    const char *member_id;
    const char *name;               /**< given and family name */
    const char *relationship;       /**< as in the review */
    const char *languages;          /**< "pl", or "cy+en-GB" for a bilingual letter */
    const char *translation_status; /**< per language, "+"-joined: source, draft, reviewed;
                                         "missing" when no catalog serves it */
    const char *reading_level;      /**< standard, plain, young-person, easy-read */
    const char *print_size;         /**< "large (18 pt)" */
    const char *channel;            /**< post, email, sms, via-professional; "" for a member */
    const char *file;               /**< file name in the batch directory, or "" */
    unsigned pages;                 /**< PDF pages; braille pages for a .brf; 0 for text files */
    const char *sha256;             /**< of the file, 64 hex digits, or "" */
    kl_batch_status status;
    const char *reason; /**< why nothing was written, or a note ("3 messages in English") */
    int draft;          /**< 1 if a draft translation was used */
    const char *format; /**< the member's format: "print" or "braille" (needs@format); "" for
                             a member not contacted. Added after 0.1.0: rows are the
                             library's, so a program built before it reads the rest alike */
} kl_batch_row;

/** Totals over a batch. The caller allocates it: initialise with
 * KL_BATCH_TOTALS_INIT (which sets size), then kl_batch_result_totals(). */
typedef struct kl_batch_totals {
    size_t size;             /**< set by the caller: sizeof(kl_batch_totals) */
    size_t members;          /**< in the review */
    size_t members_written;  /**< every output written */
    size_t members_failed;   /**< nothing written: see the rows */
    size_t not_contacted;    /**< contact="none" */
    size_t skipped;          /**< not selected */
    size_t files;            /**< files written, besides the record and print pack */
    size_t pages;            /**< PDF pages written */
    size_t draft_members;    /**< written with a draft translation */
    size_t print_pack_pages; /**< pages of the print packs, 0 if none */
    size_t print_packs;      /**< print-pack.pdf files: 1, or more for over 200 letters
                                  (print-pack-001.pdf, ...); 0 if none */
} kl_batch_totals;

#define KL_BATCH_TOTALS_INIT                                                                       \
    {                                                                                              \
        sizeof(kl_batch_totals), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0                                      \
    }

/** The outcome of kl_batch_generate(). Opaque; read it with the accessors. */
typedef struct kl_batch_result kl_batch_result;

/**
 * Write every letter of a review: for each member and channel, post: a
 * PDF for a window envelope; email: the PDF to attach and `<id>-email.txt`
 * (subject and body); sms: `<id>-sms.txt`; via-professional: the PDF with
 * no address and `<id>-cover.pdf`, a one-page note in English for the
 * professional. A member who needs braille (needs@format) gets
 * `<id>-braille.brf` (North American Braille ASCII, 40 cells by 25 lines,
 * through liblouis) instead of the print letter, by post or handed over.
 * Then, when there are postal or braille letters, `print-pack.pdf`: every
 * postal letter in member order, each starting on a new sheet for duplex
 * printing (over 200 letters: print-pack-001.pdf, -002... of 200 each),
 * after a first page that lists the braille letters to send to the
 * embossing service; and last `record.csv`, one row per file or per member
 * not written.
 *
 * Files go to DIR/<review id>/<template>/ with mode 0600 (directories
 * 0700), each written to a temporary file and renamed into place, so no
 * partial file is ever left. Before a member's files are written its texts
 * pass the disclosure check (no other member's or withheld contact detail).
 * A member whose data, catalog, message, font or disclosure check fails
 * gets no files, and the record says why; the rest are written.
 *
 * @param ctx the context; diagnostics of every member are reported on it,
 *        in member order.
 * @param review the review; read only (shared by the worker threads).
 * @param opts options, or NULL for defaults.
 * @param out receives the result; the caller owns it (kl_batch_result_free).
 *        It is also set when writing failed part-way (KL_EIO), to say what
 *        was written.
 * @return 0 when the batch ran to the end (members may still have failed:
 *         see kl_batch_result_totals()); KL_EEXISTS (the batch directory
 *         holds files and force is 0; nothing changed); KL_ENOTFOUND (no
 *         such template, catalogs or member id); KL_EPARSE / KL_EFORMAT (a
 *         bad template); KL_EIO (the output directory cannot be made, *out
 *         NULL; or a write failed part-way, *out set: the batch stopped, the
 *         failing member's files were removed); KL_EINVAL; KL_ENOMEM.
 */
KL_API int kl_batch_generate(kl_context *ctx, const kl_review *review, const kl_batch_options *opts,
                             kl_batch_result **out);

/** Free a result. NULL is allowed. */
KL_API void kl_batch_result_free(kl_batch_result *result);

/** Number of rows (as in record.csv, in member order). */
KL_API size_t kl_batch_result_row_count(const kl_batch_result *result);

/** Row i, or NULL (i out of range; or out of memory: the rows are made when first asked for,
 * and a later call tries again). Borrowed from the result, valid until kl_batch_result_free();
 * the same row each time. Nothing else is required of the caller. */
KL_API const kl_batch_row *kl_batch_result_row(const kl_batch_result *result, size_t i);

/**
 * The totals.
 *
 * @param out initialised with KL_BATCH_TOTALS_INIT; filled as far as its
 *        size says.
 * @return 0, or KL_EINVAL (result or out NULL, or out->size too small).
 */
KL_API int kl_batch_result_totals(const kl_batch_result *result, kl_batch_totals *out);

/** The batch directory (DIR/<review id>/<template>). Borrowed. */
KL_API const char *kl_batch_result_dir(const kl_batch_result *result);

/**
 * One output of a batch run in memory (kl_batch_generate_to()): what would
 * have been a file. Made by the library and borrowed for the call; fields
 * may be added at the end (size says how many there are).
 */
typedef struct kl_batch_output {
    size_t size;               /**< sizeof the library's kl_batch_output */
    const char *name;          /**< its file name in a batch directory ("m01-post.pdf",
                                    "print-pack.pdf", "record.csv") */
    const char *member_id;     /**< whose it is, or NULL (print pack, record) */
    const char *kind;          /**< "letter" (a PDF letter), "cover", "email-text",
                                    "email-draft" (.eml), "sms", "braille", "password",
                                    "print-pack", "record", or "file" */
    const char *channel;       /**< "post", "email", "sms", "via-professional", or NULL */
    const unsigned char *data; /**< the bytes; borrowed for the call */
    size_t len;                /**< their number */
    unsigned pages;            /**< a member's PDF or BRF: its pages; else 0 */
    const char *sha256;        /**< 64 hex digits, or "" (a password, the print pack, the
                                    record) */
} kl_batch_output;

/**
 * Receives each output of kl_batch_generate_to(). Calls come from the
 * batch's worker threads (and the calling thread), one at a time, never
 * two at once: a member's files when the member is finished (members in
 * any order), then the print packs, then record.csv last.
 *
 * @param output the output. Borrowed for the call: copy what you keep.
 * @param userdata as given to kl_batch_generate_to().
 * @return 0 to go on; nonzero to stop the batch as the progress callback
 *         does (no further member is started; the record still comes last).
 */
typedef int (*kl_batch_output_fn)(const kl_batch_output *output, void *userdata);

/**
 * kl_batch_generate() in memory: every file it would write (the members'
 * letters, texts and drafts, the print packs, record.csv) is handed to fn
 * instead, and nothing on disk is made or changed (no directory, lock or
 * manifest; opts->output_dir, force and dry_run do not apply). Each
 * member's outputs pass the same disclosure check before fn sees them, and
 * the record is checked as a whole; the result, diagnostics and progress
 * are as kl_batch_generate()'s.
 *
 * @return as kl_batch_generate(), KL_EINVAL when fn is NULL, or KL_EINTR
 *         when fn or the progress callback stopped the batch.
 */
KL_API int kl_batch_generate_to(kl_context *ctx, const kl_review *review,
                                const kl_batch_options *opts, kl_batch_output_fn fn, void *userdata,
                                kl_batch_result **out);

/** Stable name of a status ("written", "failed", "not-contacted", "skipped"). Static. */
KL_API const char *kl_batch_status_name(kl_batch_status status);

#ifdef __cplusplus
}
#endif

#endif
