/* SPDX-License-Identifier: MIT */
/* text/fontset.h: the loaded font choices (internal to the text module). */
#ifndef KL_TEXT_FONTSET_H
#define KL_TEXT_FONTSET_H

#include "text/font.h"

#include <stddef.h>

/* One ordered list of fonts for a language+script, a script, or the fallback. */
typedef struct kl_rule {
    char *lang;       /* NULL: any language */
    char script[5];   /* ISO 15924; "" for the fallback list */
    unsigned *ids[2]; /* font ids: [0] regular, [1] bold */
    size_t n, cap[2];
} kl_rule;

/* One fontconfig query (family, lang, weight) already answered while loading. */
typedef struct kl_fontq {
    char *family, *lang;
    bool bold, missing;
    int id; /* font id, or -1 when missing */
} kl_fontq;

struct kl_fontset {
    kl_font **fonts;
    unsigned nfonts;
    size_t cap_fonts;
    kl_rule *rules;
    size_t nrules, cap_rules;
    kl_fontq *queries; /* while loading only: fonts.xml names a family in several rules */
    size_t nqueries, cap_queries;
};

/* The fonts to try, in order, for text in lang and script (ISO 15924). */
size_t kl_text__candidates(const kl_fontset *fs, const char *lang, const char *script, bool bold,
                           const kl_font **out, size_t max);

#endif
