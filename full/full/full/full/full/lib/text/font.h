/* SPDX-License-Identifier: MIT */
/* text/font.h: what a loaded font is, for the text and pdf modules only (internal). */
#ifndef KL_TEXT_FONT_H
#define KL_TEXT_FONT_H

#include "text/text.h"

#include <hb-ot.h>
#include <hb.h>

struct kl_font {
    unsigned id; /* index in the fontset, stable for its lifetime */
    char *family;
    char *file;
    int index; /* face index in a collection */
    bool bold;
    bool cff; /* outlines in a CFF table (OpenType/CFF), else glyf */
    hb_blob_t *blob;
    hb_face_t *face;
    hb_font_t *font; /* scale = upem: positions in font units */
    unsigned upem;
    unsigned num_glyphs;
    char psname[64]; /* PostScript name, PDF-safe characters only */
    /* Metrics in font units, for the PDF font descriptor. */
    int ascent, descent, cap_height;
    int bbox[4];
    float italic_angle;
};

/* The fonts of a set, by id (0 <= id < kl_text__font_count). */
unsigned kl_text__font_count(const kl_fontset *fs);
const kl_font *kl_text__font_at(const kl_fontset *fs, unsigned id);

#endif
