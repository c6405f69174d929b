/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_text.c: the text engine (ICU bidi and line breaking, HarfBuzz shaping, font
 * choice) on random Unicode: bidi controls, combining marks, characters beyond the BMP, huge
 * words. Byte 0 picks the language, byte 1 the line width and weight; the rest is the text
 * (invalid UTF-8 must be refused, not shaped). */
#include "fuzz.h"
#include "text/text.h"

#include <stdlib.h>
#include <string.h>

static kl_fontset *fonts;
static kl_text_cache *cache;
static const char *const langs[] = {"en-GB", "pl", "cy", "ar",      "fa", "ur", "bn",
                                    "pa",    "gu", "hi", "zh-Hans", "so", NULL};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    kl_context *ctx = fuzz_context();
    if (!ctx || kl_text__fontset_load(ctx, NULL, &fonts) != 0 || kl_text__cache_new(&cache) != 0)
        abort(); /* no fonts: set KINLETTER_DATADIR to the source tree (fonts/fonts.xml) */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fonts && LLVMFuzzerInitialize(NULL, NULL) != 0)
        return 0;
    if (size < 2 || size > 20000)
        return 0;
    kl_context *ctx = fuzz_context();
    char *text = fuzz_string(data + 2, size - 2);
    if (!text)
        return 0;
    kl_tstyle style = {langs[data[0] % (sizeof langs / sizeof langs[0])], (data[1] & 1) != 0,
                       (float)(8 + data[0] % 29), (float)(data[1] >> 1) * 4.0f,
                       (data[0] & 0x80) ? KL_TDIR_AUTO : KL_TDIR_LANG};
    const kl_tpara *p = NULL;
    int rc = kl_text__para(ctx, fonts, cache, text, &style, &p);
    if (rc == 0) {
        if (!p)
            __builtin_trap();
        /* Every glyph points into its run's text (the PDF's ActualText relies on it). */
        for (uint32_t i = 0; i < p->nlines; i++)
            for (uint32_t r = 0; r < p->lines[i].nruns; r++) {
                const kl_trun *run = &p->lines[i].runs[r];
                for (uint32_t g = 0; g < run->nglyphs; g++)
                    if ((uint32_t)run->glyphs[g].ustart + run->glyphs[g].ulen > run->nu16)
                        __builtin_trap();
            }
    } else if (rc != KL_EDATA && rc != KL_EPARSE && rc != KL_ELIMIT && rc != KL_ENOMEM) {
        __builtin_trap(); /* ICU or HarfBuzz failing on text is a bug to look at */
    }
    kl_free(text);
    kl_text__cache_trim(cache);
    return 0;
}
