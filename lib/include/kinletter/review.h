/* SPDX-License-Identifier: MIT */
/* kinletter/review.h: the review file (docs/REVIEW-FORMAT.md) as a validated data model. */
#ifndef KINLETTER_REVIEW_H
#define KINLETTER_REVIEW_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The kind of review (`review@type`). */
typedef enum kl_review_type {
    KL_REVIEW_LCSPR = 0, /**< England: local child safeguarding practice review. */
    KL_REVIEW_SCR,       /**< England: serious case review (the older name). */
    KL_REVIEW_CPR,       /**< Wales: child practice review. */
    KL_REVIEW_SAR        /**< Safeguarding adults review. */
} kl_review_type;

/** Gender, for grammar only (`female`, `male`, `other`). */
typedef enum kl_gender { KL_GENDER_FEMALE = 0, KL_GENDER_MALE, KL_GENDER_OTHER } kl_gender;

/** Reading level (`needs@reading`). */
typedef enum kl_reading {
    KL_READING_STANDARD = 0,
    KL_READING_PLAIN,
    KL_READING_YOUNG_PERSON,
    KL_READING_EASY_READ /**< Easy Read: pictures beside short sentences, 16 pt or more */
} kl_reading;

/** The form a member's letter takes (`needs@format`). */
typedef enum kl_format {
    KL_FORMAT_PRINT = 0, /**< a printed letter (the default) */
    KL_FORMAT_BRAILLE    /**< a BRF file for the embossing service instead of the print letter */
} kl_format;

/** A way of reaching a member (`contact@channel`). */
typedef enum kl_channel {
    KL_CHANNEL_POST = 0,
    KL_CHANNEL_EMAIL,
    KL_CHANNEL_SMS,
    KL_CHANNEL_VIA_PROFESSIONAL
} kl_channel;

/** A date as written in the review file (YYYY-MM-DD); all zero when absent. */
typedef struct kl_date {
    int year, month, day;
} kl_date;

/** A postal address: lines, then town, then postcode. Opaque; borrowed from
 * its review. Read it with kl_address_line_count() and the accessors below. */
typedef struct kl_address kl_address;

/** One contact channel of a member. Opaque; borrowed from its review. */
typedef struct kl_contact kl_contact;

/**
 * A family member. Opaque; borrowed from its review and read with the
 * kl_member_*() accessors. In a member whose data has errors
 * (kl_review_member_ok() is 0) any string may be NULL, the id and
 * relationship included: such a member gets no letter.
 */
typedef struct kl_member kl_member;

/** A loaded, validated review. Opaque; read it with the accessors below. */
typedef struct kl_review kl_review;

/** Options for loading a review. Initialise with KL_REVIEW_LOAD_OPTIONS_INIT. */
typedef struct kl_review_load_options {
    unsigned version;     /**< KL_REVIEW_LOAD_OPTIONS_VERSION */
    size_t max_bytes;     /**< largest review or CSV file accepted; 0 = 8 MiB */
    unsigned max_members; /**< 0 = 10,000 */
} kl_review_load_options;

#define KL_REVIEW_LOAD_OPTIONS_VERSION 1
#define KL_REVIEW_LOAD_OPTIONS_INIT                                                                \
    {                                                                                              \
        KL_REVIEW_LOAD_OPTIONS_VERSION, 0, 0                                                       \
    }

/**
 * Load and validate a review file (and the CSV family list it names).
 *
 * Every problem is reported through the context's diagnostics callback with
 * file, line and column. Problems in one member's data are errors for that
 * member (see kl_review_member_ok()); the review still loads so the rest of
 * the family can be served. A file that cannot be read, is not well-formed,
 * or breaks the schema fails the load.
 *
 * @param ctx the context.
 * @param path the review file.
 * @param opts options, or NULL for defaults.
 * @param out receives the review; the caller owns it (kl_review_free).
 * @return 0 (member errors may still exist: see kl_review_error_count()),
 *         KL_EIO, KL_ENOTFOUND, KL_EPARSE, KL_EFORMAT, KL_ELIMIT or KL_ENOMEM.
 */
KL_API int kl_review_load_file(kl_context *ctx, const char *path,
                               const kl_review_load_options *opts, kl_review **out);

/**
 * Load and validate a review from memory, as kl_review_load_file() does.
 *
 * @param ctx the context.
 * @param data the review's bytes (UTF-8 XML); not kept after the call.
 * @param len the number of bytes.
 * @param name the name used in messages (a file name), or NULL for "<buffer>".
 * @param base_dir the directory a relative `<family src>` and `<logo src>`
 *        are resolved against; NULL: the current directory.
 * @param opts options, or NULL for defaults.
 * @param out receives the review; the caller owns it (kl_review_free).
 * @return as kl_review_load_file().
 */
KL_API int kl_review_load_buffer(kl_context *ctx, const char *data, size_t len, const char *name,
                                 const char *base_dir, const kl_review_load_options *opts,
                                 kl_review **out);

/** Free a review. NULL is allowed. */
KL_API void kl_review_free(kl_review *review);

/** The largest logo side, in pixels, that kl_png_problem accepts. */
#define KL_PNG_MAX_SIDE 4000

/**
 * Can the letters embed this PNG image (a partnership logo)? Every chunk's
 * checksum, the header's values and the image data (inflated to exactly its
 * rows) are checked, because the PNG decoder under the PDF writer stops the
 * whole process on a damaged image. The review loader checks every logo this
 * way; a program that takes a logo from a user (kinletter serve) can check it
 * before keeping it.
 *
 * @param data the file's bytes.
 * @param size the number of bytes.
 * @return NULL when the image is sound, otherwise a short English phrase
 *         completing "the logo ..." ("is not a PNG image", "is not a complete
 *         PNG image (it may be damaged)", "is an interlaced PNG (...)", "is
 *         more than 4000 pixels wide or high (...)"); static, never freed.
 */
KL_API const char *kl_png_problem(const void *data, size_t size);

/** Review id (`review@id`). Borrowed. */
KL_API const char *kl_review_id(const kl_review *review);
/** Review type. */
KL_API kl_review_type kl_review_get_type(const kl_review *review);
/** Number of members. */
KL_API size_t kl_review_member_count(const kl_review *review);
/** Member i (0-based), or NULL (no such member, or out of memory). Borrowed from the review:
 * the review keeps each member's text, and makes the member from it at the first call for it
 * (safe from several threads), then keeps it until kl_review_free(). */
KL_API const kl_member *kl_review_member(const kl_review *review, size_t i);
/** Member by id, or NULL (as kl_review_member()). Borrowed. */
KL_API const kl_member *kl_review_find_member(const kl_review *review, const char *id);
/** 1 if the member's data had no errors, 0 if it did (nothing is produced for it). */
KL_API int kl_review_member_ok(const kl_review *review, const kl_member *member);
/** The member's format (`needs@format`): KL_FORMAT_PRINT unless braille was asked for (and
 * for a member not of this review). */
KL_API kl_format kl_review_member_format(const kl_review *review, const kl_member *member);
/** Stable name of a format ("print", "braille"). Static string. */
KL_API const char *kl_format_name(kl_format f);
/** Number of errors found in member data while loading (each one makes its member not ok). */
KL_API size_t kl_review_error_count(const kl_review *review);
/** Number of warnings reported while loading (nothing fails because of them). */
KL_API size_t kl_review_warning_count(const kl_review *review);

/* ---- members, contacts, addresses --------------------------------------------------
 * Every accessor takes a pointer borrowed from a review (kl_review_member(),
 * kl_member_contact_at(), kl_contact_address()) and returns strings borrowed
 * from the same review. A NULL object gives NULL, 0 or the documented default. */

/** [A-Za-z0-9_-]{1,64}; used in file names. */
KL_API const char *kl_member_id(const kl_member *m);
/** mother, father, ..., other. */
KL_API const char *kl_member_relationship(const kl_member *m);
/** Gender, for grammar. */
KL_API kl_gender kl_member_gender(const kl_member *m);
/** Age in years, or -1 when not given. */
KL_API int kl_member_age(const kl_member *m);
/** 1, 0, or -1 when not given. */
KL_API int kl_member_parental_responsibility(const kl_member *m);
/** Title ("Ms"), or NULL. */
KL_API const char *kl_member_title(const kl_member *m);
/** Given name. */
KL_API const char *kl_member_given(const kl_member *m);
/** Family name, or NULL. */
KL_API const char *kl_member_family(const kl_member *m);
/** Language, BCP 47 canonical ("en-GB"); NULL only for contact="none". */
KL_API const char *kl_member_locale(const kl_member *m);
/** Second language of a bilingual letter, or NULL. */
KL_API const char *kl_member_also(const kl_member *m);
/** The language an interpreter is needed for, or NULL. */
KL_API const char *kl_member_interpreter(const kl_member *m);
/** Reading level. */
KL_API kl_reading kl_member_reading(const kl_member *m);
/** Body size in points: standard 14, large 18, very-large 24, or needs@size (12-36); 0 for NULL. */
KL_API double kl_member_print_size(const kl_member *m);
/** "standard", "large", "very-large" or "custom". */
KL_API const char *kl_member_print_profile(const kl_member *m);
/** Number of contact channels (0 for contact="none"). */
KL_API size_t kl_member_contact_count(const kl_member *m);
/** Contact i (0-based, in the order written), or NULL. Borrowed from the review. */
KL_API const kl_contact *kl_member_contact_at(const kl_member *m, size_t i);
/** 1 for contact="none", else 0. */
KL_API int kl_member_contact_none(const kl_member *m);
/** Why there is no contact (contact="none"), or NULL. */
KL_API const char *kl_member_reason(const kl_member *m);
/** The file the member came from (the review or its CSV). */
KL_API const char *kl_member_source(const kl_member *m);
/** Where the member starts: line (CSV: row), 0 if unknown. */
KL_API unsigned kl_member_line(const kl_member *m);
/** Where the member starts: column (CSV: 1), 0 if unknown. */
KL_API unsigned kl_member_column(const kl_member *m);

/** The contact's channel (KL_CHANNEL_POST for NULL). */
KL_API kl_channel kl_contact_channel(const kl_contact *c);
/** post: the address; other channels: NULL. */
KL_API const kl_address *kl_contact_address(const kl_contact *c);
/** email: the address; other channels: NULL. */
KL_API const char *kl_contact_email(const kl_contact *c);
/** sms: the normalised UK mobile ("07700 900456"); other channels: NULL. */
KL_API const char *kl_contact_phone(const kl_contact *c);
/** via-professional: who hands the letter over; other channels: NULL. */
KL_API const char *kl_contact_professional(const kl_contact *c);
/** Where the contact was written: line (CSV: row), 0 if unknown. */
KL_API unsigned kl_contact_line(const kl_contact *c);
/** Where the contact was written: column, 0 if unknown. */
KL_API unsigned kl_contact_column(const kl_contact *c);

/** Number of street lines (town and postcode not counted). */
KL_API size_t kl_address_line_count(const kl_address *a);
/** Street line i, or NULL. */
KL_API const char *kl_address_line(const kl_address *a, size_t i);
/** The town, or NULL. */
KL_API const char *kl_address_town(const kl_address *a);
/** The postcode, normalised ("NT2 7QP"). */
KL_API const char *kl_address_postcode(const kl_address *a);

/** Stable name of a review type ("lcspr", "scr", "cpr", "sar"). Static string. */
KL_API const char *kl_review_type_name(kl_review_type t);
/** Stable name of a gender ("female", "male", "other"). Static string. */
KL_API const char *kl_gender_name(kl_gender g);
/** Stable name of a reading level ("standard", "plain", "young-person", "easy-read"). Static
 * string. */
KL_API const char *kl_reading_name(kl_reading r);
/** Stable name of a channel ("post", "email", "sms", "via-professional"). Static string. */
KL_API const char *kl_channel_name(kl_channel c);

/* ---- building a review in code ----------------------------------------------------- */

/** A review being built in code (no XML to write or escape). */
typedef struct kl_review_builder kl_review_builder;
/** One element of a review being built: the review itself, a member, a
 * contact, an address. Owned by its builder. */
typedef struct kl_review_part kl_review_part;

/** The source name diagnostics of a built review carry (with line and
 * column 0; the message starts with the field, such as
 * "family/member[m02]/contact@phone: ..."). */
#define KL_REVIEW_BUILDER_SOURCE "(built review)"

/**
 * Start a review in code. Its fields use the names of the review format
 * (docs/REVIEW-FORMAT.md): elements joined by '/', an attribute after '@'.
 *
 * @param id the review's id ("NSCP-2026-017").
 * @param type "lcspr", "scr", "cpr" or "sar".
 * @return 0, KL_EINVAL or KL_ENOMEM.
 */
KL_API int kl_review_builder_new(kl_context *ctx, const char *id, const char *type,
                                 kl_review_builder **out);
/** Free a builder and every part it handed out. NULL is allowed. */
KL_API void kl_review_builder_free(kl_review_builder *b);
/** The review element itself, to set or add fields on. Owned by the builder. */
KL_API kl_review_part *kl_review_builder_root(kl_review_builder *b);
/**
 * Set a field below part: "partnership/name" (an element's text),
 * "subject@given" (an attribute). Missing elements on the way are created;
 * an existing one is reused. value NULL removes an attribute. Values are
 * stored as given (any characters; nothing to escape).
 *
 * @return 0, KL_EINVAL (not a path), KL_EPARSE (not UTF-8) or KL_ENOMEM.
 */
KL_API int kl_review_part_set(kl_review_part *part, const char *path, const char *value);
/**
 * Add a new element at the end of path below part, for what repeats:
 * "family/member", "contact", "address/line" (with text), "agencies/agency",
 * "support/service", "contact/hours".
 *
 * @param text the new element's text, or NULL.
 * @param out receives the new part (owned by the builder), or NULL.
 * @return 0, KL_EINVAL, KL_EPARSE or KL_ENOMEM.
 */
KL_API int kl_review_part_add(kl_review_part *part, const char *path, const char *text,
                              kl_review_part **out);
/** The review as review-format XML (UTF-8); the caller frees it with kl_free(). */
KL_API int kl_review_builder_xml(kl_review_builder *b, char **out);
/**
 * Check the built review exactly as a review file is checked and load it.
 * Diagnostics name fields instead of lines (KL_REVIEW_BUILDER_SOURCE). The
 * builder stays usable (correct a field and build again).
 *
 * @return as kl_review_load_buffer().
 */
KL_API int kl_review_builder_build(kl_review_builder *b, const kl_review_load_options *opts,
                                   kl_review **out);

#ifdef __cplusplus
}
#endif

#endif
