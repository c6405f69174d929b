/* SPDX-License-Identifier: MIT */
/* cli/readability.c: `kinletter readability`: how easy and kind each member's letters are to read.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const default_templates[] = {"notification", "invitation", "update", "outcome"};

static void usage(FILE *out)
{
    fputs("Usage: kinletter readability [OPTIONS] [REVIEW]\n"
          "\n"
          "Compose each member's letters as the member would get them and measure them:\n"
          "sentences and words (ICU, in the letter's language), average and longest\n"
          "sentence, every sentence over the limit (25 words standard, 20 plain, 15\n"
          "young-person, 12 easy-read) with its message id, Flesch reading ease and\n"
          "Flesch-Kincaid grade (English) or LIX (other Latin-script languages), words\n"
          "to avoid from the catalogs, abbreviations not spelled out, and, when the\n"
          "child died, a kindness check. See docs/READABILITY.md for the measures and\n"
          "their limits.\n"
          "\n"
          "With no REVIEW, the bundled example review is used.\n"
          "\n"
          "Options:\n"
          "  -t, --template NAME  one template (default: notification, invitation,\n"
          "                       update and outcome)\n"
          "  -m, --member ID      only this member\n"
          "  --variant V          standard, plain, young-person or easy-read, instead\n"
          "                       of each member's own reading need\n"
          "  --locale L           only the text in language L (BCP 47, \"en\" or \"en-GB\")\n"
          "  --locales DIR        a directory of compiled catalogs (*.res)\n"
          "  --json               write JSON for programs instead of the table\n"
          "  -h, --help           show this help\n"
          "  --version            show the version\n"
          "\n"
          "Exit status: 0 every letter within every threshold, 1 findings (or a letter\n"
          "could not be composed), 2 usage or input error.\n",
          out);
}

typedef struct opts {
    const char *review, *template_name, *member, *locale, *locales;
    int variant; /* -1: the member's own */
    bool json;
} opts;

static int parse_variant(const char *s)
{
    if (!strcmp(s, "standard"))
        return KL_READING_STANDARD;
    if (!strcmp(s, "plain"))
        return KL_READING_PLAIN;
    if (!strcmp(s, "young-person"))
        return KL_READING_YOUNG_PERSON;
    if (!strcmp(s, "easy-read"))
        return KL_READING_EASY_READ;
    return -1;
}

/* "en" matches "en-GB"; "en-GB" matches "en-gb". */
static bool lang_matches(const char *want, const char *lang)
{
    if (!want)
        return true;
    size_t n = strlen(want);
    return lang && strncasecmp(want, lang, n) == 0 && (lang[n] == '\0' || lang[n] == '-');
}

static void json_str(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static const char *kind_key(kl_read_kind k)
{
    switch (k) {
    case KL_READ_LONG_SENTENCE:
        return "long_sentence";
    case KL_READ_JARGON:
        return "jargon";
    case KL_READ_COLD:
        return "cold";
    case KL_READ_ABBREVIATION:
        return "abbreviation";
    case KL_READ_KINDNESS:
        return "kindness";
    case KL_READ_SCORE:
        return "score";
    }
    return "other";
}

/* One measured letter, kept for the details after the table. */
typedef struct result {
    const kl_member *member;
    const char *template_name;
    kl_reading variant;
    kl_readability *r;
    int braille_pages; /* -1: the member does not need braille; -2: none could be made */
} result;

typedef struct run_state {
    const opts *o;
    result *results;
    size_t n_results;
    size_t failed; /* letters that could not be composed */
    char **notes;  /* members without letters, and why (grows; each allocated) */
    size_t n_notes, cap_notes;
    bool first_json;
} run_state;

static bool shown_ok(const opts *o, const kl_readability *r)
{
    for (size_t i = 0; i < kl_readability_finding_count(r); i++)
        if (lang_matches(o->locale, kl_readability_finding(r, i)->lang))
            return false;
    return true;
}

static bool has_shown_section(const opts *o, const kl_readability *r)
{
    for (size_t i = 0; i < kl_readability_section_count(r); i++)
        if (lang_matches(o->locale, kl_readability_section(r, i)->lang))
            return true;
    return false;
}

static void print_row(const result *x, const kl_read_stats *st, bool ok)
{
    /* Scores of a letter (two or three digits and one decimal) and a count: 16 bytes hold any. */
    char flesch[16] = "-", grade[16] = "-", lix[16] = "-", avoid[16] = "-";
    const char *few = st->few_words ? "~" : "";
    if (st->has_flesch) {
        snprintf(flesch, sizeof flesch, "%s%.1f", few, st->flesch);
        snprintf(grade, sizeof grade, "%s%.1f", few, st->fk_grade);
    } else if (st->has_lix) {
        snprintf(lix, sizeof lix, "%s%.1f", few, st->lix);
    }
    if (st->has_wordlist)
        snprintf(avoid, sizeof avoid, "%zu", st->avoid_hits);
    printf("%-8s %-13s %-7s %-13s %5zu %6zu %5.1f %5u %7s %6s %6s %5zu %6s %5zu  %s\n",
           kl_member_id(x->member), x->template_name, st->lang, kl_reading_name(st->variant),
           st->sentences, st->words, st->avg_words, st->longest, flesch, grade, lix, st->over_limit,
           avoid, st->kindness, ok ? "ok" : "FINDINGS");
}

static void print_details(const opts *o, const result *x)
{
    size_t n = kl_readability_finding_count(x->r);
    bool header = false;
    for (size_t i = 0; i < n; i++) {
        const kl_read_finding *f = kl_readability_finding(x->r, i);
        if (!lang_matches(o->locale, f->lang))
            continue;
        if (!header) {
            printf("\n%s %s (%s, %s):\n", kl_member_id(x->member), x->template_name, f->lang,
                   kl_reading_name(x->variant));
            header = true;
        }
        printf("  %s", kl_read_kind_name(f->kind));
        if (f->kind == KL_READ_LONG_SENTENCE)
            printf(", %u words", f->words);
        if (f->term)
            printf(" \"%s\"", f->term);
        printf(" in %s: %s\n", f->msgid ? f->msgid : "(the whole letter)", f->what);
        if (f->text)
            printf("    \"%s\"\n", f->text);
    }
}

static void print_json(run_state *s, const result *x, const char *channel)
{
    const opts *o = s->o;
    printf("%s\n    {\"member\": ", s->first_json ? "" : ",");
    s->first_json = false;
    json_str(stdout, kl_member_id(x->member));
    printf(", \"template\": ");
    json_str(stdout, x->template_name);
    printf(", \"channel\": ");
    json_str(stdout, channel);
    printf(", \"variant\": ");
    json_str(stdout, kl_reading_name(x->variant));
    printf(", \"ok\": %s", shown_ok(o, x->r) ? "true" : "false");
    /* A braille member's letter: its length in braille pages (null when none can be made). */
    if (x->braille_pages >= 0)
        printf(", \"braille_pages\": %d", x->braille_pages);
    else if (x->braille_pages == -2)
        printf(", \"braille_pages\": null");
    printf(",\n     \"sections\": [");
    bool first = true;
    for (size_t i = 0; i < kl_readability_section_count(x->r); i++) {
        const kl_read_stats *st = kl_readability_section(x->r, i);
        if (!lang_matches(o->locale, st->lang))
            continue;
        printf("%s\n      {\"lang\": ", first ? "" : ",");
        first = false;
        json_str(stdout, st->lang);
        printf(", \"sentences\": %zu, \"words\": %zu, \"syllables\": %zu, \"long_words\": %zu, "
               "\"avg_words\": %.2f, \"longest\": %u, \"longest_msgid\": ",
               st->sentences, st->words, st->syllables, st->long_words, st->avg_words, st->longest);
        json_str(stdout, st->longest_msgid);
        printf(", \"limit\": %u, \"over_limit\": %zu", st->limit, st->over_limit);
        if (st->has_flesch)
            printf(", \"flesch\": %.2f, \"fk_grade\": %.2f, \"min_flesch\": %.0f", st->flesch,
                   st->fk_grade, st->min_flesch);
        else
            printf(", \"flesch\": null, \"fk_grade\": null, \"min_flesch\": null");
        if (st->has_lix)
            printf(", \"lix\": %.2f", st->lix);
        else
            printf(", \"lix\": null");
        printf(", \"few_words\": %s, \"word_list\": %s, \"avoid_hits\": %zu, \"kindness\": %zu}",
               st->few_words ? "true" : "false", st->has_wordlist ? "true" : "false",
               st->avoid_hits, st->kindness);
    }
    printf("],\n     \"findings\": [");
    first = true;
    for (size_t i = 0; i < kl_readability_finding_count(x->r); i++) {
        const kl_read_finding *f = kl_readability_finding(x->r, i);
        if (!lang_matches(o->locale, f->lang))
            continue;
        printf("%s\n      {\"kind\": \"%s\", \"lang\": ", first ? "" : ",", kind_key(f->kind));
        first = false;
        json_str(stdout, f->lang);
        printf(", \"msgid\": ");
        json_str(stdout, f->msgid);
        printf(", \"term\": ");
        json_str(stdout, f->term);
        printf(", \"words\": %u, \"text\": ", f->words);
        json_str(stdout, f->text);
        printf(", \"what\": ");
        json_str(stdout, f->what);
        printf("}");
    }
    printf("]}");
}

/* Keep a note (allocated, or NULL when making it ran out of memory) for after the table.
 * Returns 0, or KL_ENOMEM (the note is freed). */
static int add_note(run_state *s, char *note)
{
    if (!note || cli_grow((void **)&s->notes, &s->cap_notes, s->n_notes + 1, sizeof *s->notes)) {
        free(note);
        return KL_ENOMEM;
    }
    s->notes[s->n_notes++] = note;
    return 0;
}

static int measure_member(kl_context *ctx, run_state *s, kl_catalog_set *set, const kl_review *rv,
                          const kl_member *m, kl_template *const *tpls, const char *const *names,
                          size_t n_tpls)
{
    const opts *o = s->o;
    if (o->locale && !lang_matches(o->locale, kl_member_locale(m)) &&
        !lang_matches(o->locale, kl_member_also(m)))
        return 0;
    /* Which letter is measured is the library's policy. */
    kl_channel ch = KL_CHANNEL_POST;
    kl_reading own = KL_READING_STANDARD;
    const char *why = NULL;
    kl_readability_letter_for(rv, m, &ch, &own, &why);
    if (why) {
        if (!o->json &&
            add_note(
                s, cli_format("%s: %s%s", kl_member_id(m), why,
                              strncmp(why, "data has errors", 15) ? "" : " (see kinletter check)")))
            return KL_ENOMEM;
        return 0;
    }
    kl_reading variant = o->variant >= 0 ? (kl_reading)o->variant : own;
    for (size_t t = 0; t < n_tpls; t++) {
        kl_letter_options lo = KL_LETTER_OPTIONS_INIT;
        lo.variant = (int)variant;
        kl_letter *letter = NULL;
        int rc = kl_letter_compose(ctx, tpls[t], set, rv, m, (kl_channel)ch, &lo, &letter);
        kl_readability *r = NULL;
        if (!rc)
            rc = kl_readability_check(ctx, letter, set, rv, variant, &r);
        /* A member who needs braille: the letter's length in braille pages too. */
        int braille_pages = -1;
        if (!rc && kl_review_member_format(rv, m) == KL_FORMAT_BRAILLE) {
            char *brf = NULL;
            unsigned pages = 0;
            int brc = kl_letter_render_brf(ctx, letter, &brf, NULL, &pages);
            kl_free(brf);
            braille_pages = brc == 0 ? (int)pages : -2;
        }
        if (braille_pages != -1 && !o->json) {
            unsigned pages = braille_pages >= 0 ? (unsigned)braille_pages : 0;
            char *note =
                braille_pages >= 0
                    ? cli_format("%s: %s letter in braille (BRF): %u braille page%s of 40 cells "
                                 "by 25 lines",
                                 kl_member_id(m), names[t], pages, pages == 1 ? "" : "s")
                    : cli_format("%s: %s letter: no braille letter can be made (see the error "
                                 "above)",
                                 kl_member_id(m), names[t]);
            if (add_note(s, note)) {
                kl_readability_free(r);
                kl_letter_free(letter);
                return KL_ENOMEM;
            }
        }
        kl_letter_free(letter);
        if (rc == KL_ENOMEM) {
            fputs("kinletter: error: out of memory\n", stderr);
            return EXIT_USAGE;
        }
        if (rc) {
            fprintf(stderr, "kinletter: error: member %s: %s letter not measured (%s)\n",
                    kl_member_id(m), names[t], kl_strerror(rc));
            s->failed++;
            continue;
        }
        result *g = realloc(s->results, (s->n_results + 1) * sizeof *g);
        if (!g) {
            kl_readability_free(r);
            fputs("kinletter: error: out of memory\n", stderr);
            return EXIT_USAGE;
        }
        s->results = g;
        s->results[s->n_results++] = (result){m, names[t], variant, r, braille_pages};
        if (o->json)
            print_json(s, &s->results[s->n_results - 1], kl_channel_name((kl_channel)ch));
    }
    return 0;
}

static int report(const opts *o, run_state *s, const kl_review *rv)
{
    size_t shown = 0, good = 0;
    for (size_t i = 0; i < s->n_results; i++) {
        if (!has_shown_section(o, s->results[i].r))
            continue;
        shown++;
        good += shown_ok(o, s->results[i].r);
    }
    bool all_ok = good == shown && s->failed == 0;
    if (o->json) {
        printf("\n  ],\n  \"measured\": %zu, \"within_thresholds\": %zu, \"not_composed\": %zu, "
               "\"ok\": %s\n}\n",
               shown, good, s->failed, all_ok ? "true" : "false");
        return all_ok ? EXIT_DONE : EXIT_SOME_FAILED;
    }
    printf("Readability of the letters for review %s\n", kl_review_id(rv));
    printf("Limits: sentences of at most 25 words (standard), 20 (plain), 15 (young-person),\n"
           "12 (easy-read); English Flesch reading ease at least 60, 70, 75, 75. \"~\": under 100 "
           "words, not reliable.\n\n");
    printf("%-8s %-13s %-7s %-13s %5s %6s %5s %5s %7s %6s %6s %5s %6s %5s  %s\n", "member",
           "letter", "lang", "variant", "sent", "words", "avg", "max", "Flesch", "grade", "LIX",
           "over", "avoid", "kind", "result");
    const char **no_list = NULL; /* languages without a word list, each once */
    size_t n_no_list = 0, cap_no_list = 0;
    for (size_t i = 0; i < s->n_results; i++) {
        const result *x = &s->results[i];
        for (size_t k = 0; k < kl_readability_section_count(x->r); k++) {
            const kl_read_stats *st = kl_readability_section(x->r, k);
            if (!lang_matches(o->locale, st->lang))
                continue;
            bool ok = true;
            for (size_t f = 0; f < kl_readability_finding_count(x->r); f++)
                ok &= strcmp(kl_readability_finding(x->r, f)->lang, st->lang) != 0;
            print_row(x, st, ok);
            if (!st->has_wordlist) {
                bool seen = false;
                for (size_t q = 0; q < n_no_list && !seen; q++)
                    seen = strcmp(no_list[q], st->lang) == 0;
                if (!seen && cli_grow((void **)&no_list, &cap_no_list, n_no_list + 1,
                                      sizeof *no_list) != 0) {
                    free(no_list);
                    fputs("kinletter: error: out of memory\n", stderr);
                    return EXIT_USAGE;
                }
                if (!seen)
                    no_list[n_no_list++] = st->lang;
            }
        }
    }
    for (size_t i = 0; i < s->n_results; i++)
        print_details(o, &s->results[i]);
    if (s->n_notes)
        printf("\n");
    for (size_t q = 0; q < s->n_notes; q++)
        printf("%s\n", s->notes[q]);
    if (n_no_list) {
        printf("\n");
        for (size_t q = 0; q < n_no_list; q++)
            printf("%s: no word list for this language: words to avoid and abbreviations "
                   "were not checked.\n",
                   no_list[q]);
    }
    free(no_list);
    printf("\n%zu letter%s measured: %zu within every threshold, %zu with findings", shown,
           shown == 1 ? "" : "s", good, shown - good);
    if (s->failed)
        printf(", %zu not composed (see errors)", s->failed);
    printf(".\n");
    return all_ok ? EXIT_DONE : EXIT_SOME_FAILED;
}

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->variant = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (cli_is_help(a)) {
            usage(stdout);
            return EXIT_DONE + 100;
        } else if (!strcmp(a, "--version")) {
            printf("kinletter %s\n", kl_version());
            return EXIT_DONE + 100;
        } else if (!strcmp(a, "--json")) {
            o->json = true;
            continue;
        } else if (!strcmp(a, "-t") || !strcmp(a, "--template")) {
            slot = &o->template_name;
        } else if (!strcmp(a, "-m") || !strcmp(a, "--member")) {
            slot = &o->member;
        } else if (!strcmp(a, "--locale")) {
            slot = &o->locale;
        } else if (!strcmp(a, "--locales")) {
            slot = &o->locales;
        } else if (!strcmp(a, "--variant")) {
            if (i + 1 >= argc || (o->variant = parse_variant(argv[i + 1])) < 0) {
                fputs("kinletter: error: --variant needs standard, plain, young-person or "
                      "easy-read (see kinletter readability --help)\n",
                      stderr);
                return EXIT_USAGE;
            }
            i++;
            continue;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr,
                    "kinletter: error: unknown option '%s' (see kinletter readability --help)\n",
                    a);
            return EXIT_USAGE;
        } else if (!o->review) {
            o->review = a;
            continue;
        } else {
            fputs("kinletter: error: readability takes one review file (see kinletter "
                  "readability --help)\n",
                  stderr);
            return EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr,
                    "kinletter: error: %s needs a value (see kinletter readability --help)\n", a);
            return EXIT_USAGE;
        }
        *slot = argv[++i];
    }
    return -1;
}

/* The one template asked for, or the four bundled ones, into tpls (4 slots) and their names
 * ("planted", not a file's path) into names. Returns 0 or the library's error code. */
static int load_templates(kl_context *ctx, const char *one, kl_template **tpls, const char **names,
                          size_t *n_tpls)
{
    if (one) {
        names[0] = one;
        *n_tpls = 1;
    } else {
        for (size_t i = 0; i < 4; i++)
            names[i] = default_templates[i];
        *n_tpls = 4;
    }
    for (size_t i = 0; i < *n_tpls; i++) {
        const char *n = names[i];
        int rc = strchr(n, '/') || strstr(n, ".xml") ? kl_template_load_file(ctx, n, &tpls[i])
                                                     : kl_template_load_name(ctx, n, &tpls[i]);
        if (rc)
            return rc;
        names[i] = kl_template_name(tpls[i]);
    }
    return 0;
}

int cli_readability(int argc, char **argv)
{
    opts o;
    int pr = parse(argc, argv, &o);
    if (pr >= 100)
        return pr - 100;
    if (pr >= 0)
        return pr;
    kl_context *ctx = cli_context();
    if (!ctx)
        return EXIT_USAGE;
    int status = EXIT_USAGE;
    char *example = NULL;
    kl_review *rv = NULL;
    kl_catalog_set *set = NULL;
    kl_template *tpls[4] = {NULL};
    const char *names[4];
    size_t n_tpls = 0;
    run_state s;
    memset(&s, 0, sizeof s);
    s.o = &o;
    s.first_json = true;
    const char *path = o.review;
    if (!path) {
        example = cli_example_review(ctx);
        if (!example) {
            cli_print_error(ctx, KL_ENOTFOUND);
            goto done;
        }
        path = example;
    }
    int rc = kl_review_load_file(ctx, path, NULL, &rv);
    if (!rc)
        rc = kl_catalog_set_open(ctx, o.locales, &set);
    if (rc) {
        cli_print_error(ctx, rc);
        goto done;
    }
    if ((rc = load_templates(ctx, o.template_name, tpls, names, &n_tpls))) {
        cli_print_error(ctx, rc);
        goto done;
    }
    const kl_member *only = NULL;
    if (o.member) {
        only = kl_review_find_member(rv, o.member);
        if (!only) {
            fprintf(stderr, "kinletter: error: no member '%s' in %s\n", o.member, path);
            goto done;
        }
    }
    if (o.json) {
        printf("{\n  \"review\": ");
        json_str(stdout, kl_review_id(rv));
        printf(",\n  \"letters\": [");
    }
    for (size_t i = 0; i < kl_review_member_count(rv); i++) {
        const kl_member *m = kl_review_member(rv, i);
        if (only && m != only)
            continue;
        int r = measure_member(ctx, &s, set, rv, m, tpls, names, n_tpls);
        if (r) {
            status = r;
            goto done;
        }
    }
    status = report(&o, &s, rv);

done:
    for (size_t i = 0; i < s.n_results; i++)
        kl_readability_free(s.results[i].r);
    free(s.results);
    for (size_t q = 0; q < s.n_notes; q++)
        free(s.notes[q]);
    free(s.notes);
    for (size_t i = 0; i < 4; i++)
        kl_template_free(tpls[i]);
    kl_catalog_set_free(set);
    kl_review_free(rv);
    kl_free(example);
    kl_context_free(ctx);
    return status;
}
