/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz_message.c: catalog messages (ICU MessageFormat with named arguments, the
 * translators' checks) with random patterns, locales and argument values.
 * Input: byte 0 picks the locale, byte 1 the argument values' kinds, then the pattern, then
 * after a NUL byte the text given to string arguments. */
#include "fuzz.h"
#include "catalog/catalog_internal.h"

#include <string.h>

static const char *const locales[] = {"en-GB", "pl",      "cy", "ar", "fa", "ur", "bn",
                                      "pa",    "zh-Hans", "lt", "ro", "so", "xx", ""};
static const char *const names[] = {"childName", "count", "date", "name", "gender", "n"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const char *locale = locales[data[0] % (sizeof locales / sizeof locales[0])];
    unsigned kinds = data[1];
    /* The pattern ends at the first NUL; the bytes after it are the string arguments' text. */
    const char *body = (const char *)data + 2;
    size_t blen = size - 2;
    const char *nul = memchr(body, 0, blen);
    char *rest = kl_core__strndup(body, nul ? (size_t)(nul - body) : blen);
    char *value =
        nul ? kl_core__strndup(nul + 1, blen - (size_t)(nul - body) - 1) : kl_core__strdup("Zofia");
    if (!rest || !value) {
        kl_free(rest);
        kl_free(value);
        return 0;
    }
    const char *text = value;
    kl_fmt_arg args[6];
    for (size_t i = 0; i < 6; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].name = names[i];
        args[i].type = (kl_arg_type)((kinds >> i) % 3);
        args[i].s = text;
        args[i].num = (double)(int)(kinds * 37 + i) - 40;
        args[i].date = (kl_date){2026, (int)(kinds % 12) + 1, (int)(kinds % 28) + 1};
    }
    char *out = NULL;
    kl_fmt_error err;
    if (kl_catalog__format(locale, rest, args, 6, &out, &err) == 0) {
        if (!kl_core__utf8_valid(out, strlen(out), NULL))
            __builtin_trap(); /* a letter's text is always valid UTF-8 */
        kl_free(out);
    }
    (void)kl_catalog__check_pattern(locale, rest, &err);
    kl_msg_shape shape;
    memset(&shape, 0, sizeof shape);
    (void)kl_catalog__analyse(locale, rest, &shape, &err);
    char *pseudo = NULL;
    if (kl_catalog__pseudo(rest, data[0] & 1, &pseudo) == 0)
        kl_free(pseudo);
    kl_free(value);
    kl_free(rest);
    return 0;
}
