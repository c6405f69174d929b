/* SPDX-License-Identifier: MIT */
/* tests/api/api_test.c: the public header compiles as C99 -pedantic (and as C++, api_test.cc)
 * and its main entry points work as documented: context and errors, review, templates,
 * catalogs, composing, the plain renderers, PDF, batch. Uses only <kinletter.h>. */
#include <kinletter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks, failures;

#define CHECK(cond, what)                                                                          \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            printf("FAIL: %s (line %d)\n", what, __LINE__);                                        \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static size_t diags_seen;
static unsigned last_line;

static void on_diag(const kl_diagnostic *d, void *userdata)
{
    (void)userdata;
    diags_seen++;
    last_line = d->line;
}

static void context_and_errors(void)
{
    kl_context *ctx = NULL;
    char *path = NULL;
    CHECK(kl_context_new(&ctx) == 0 && ctx, "kl_context_new");
    if (!ctx)
        return;
    CHECK(strcmp(kl_version(), "") != 0, "kl_version is not empty");
    CHECK(strcmp(kl_version(), KL_VERSION_STRING) == 0, "kl_version is the headers' version");
    CHECK(kl_version_num() == KL_VERSION_NUM, "kl_version_num is KL_VERSION_NUM");
    CHECK(kl_context_last_error(ctx) == NULL, "a fresh context has no error");
    CHECK(kl_context_find_data(ctx, "no/such/file.xml", &path) == KL_ENOTFOUND,
          "finding a missing data file gives KL_ENOTFOUND");
    CHECK(kl_context_last_error(ctx) &&
              strstr(kl_context_last_error(ctx)->message, "no/such/file.xml"),
          "the last error names the missing file");
    kl_context_clear_error(ctx);
    CHECK(kl_context_last_error(ctx) == NULL, "kl_context_clear_error");
    CHECK(kl_context_add_datadir(ctx, ".") == 0, "kl_context_add_datadir");
    CHECK(strcmp(kl_strerror(KL_ENOMEM), "out of memory") == 0, "kl_strerror");
    kl_context_free(ctx);
    kl_context_free(NULL);
}

/* A review that is not well-formed: the error says which line. */
static void review_errors(void)
{
    static const char bad[] = "<?xml version=\"1.0\"?>\n"
                              "<review xmlns=\"urn:kinletter:review:1\" id=\"X\" type=\"lcspr\">\n"
                              "  <partnership>\n"
                              "</review>\n";
    kl_context *ctx = NULL;
    kl_review *review = NULL;
    if (kl_context_new(&ctx) != 0)
        return;
    kl_context_set_diagnostics(ctx, on_diag, NULL);
    CHECK(kl_review_load_buffer(ctx, bad, sizeof bad - 1, "bad.xml", NULL, NULL, &review) ==
              KL_EPARSE,
          "a review that is not well-formed gives KL_EPARSE");
    CHECK(review == NULL, "no review is handed out on failure");
    CHECK(diags_seen > 0 && last_line == 4, "the diagnostic gives the line of the problem");
    CHECK(kl_context_last_error(ctx) && kl_context_last_error(ctx)->line == 4 &&
              strcmp(kl_context_last_error(ctx)->source, "bad.xml") == 0,
          "the last error gives file and line");
    CHECK(kl_context_count(ctx, KL_SEVERITY_ERROR) > 0, "kl_context_count counts errors");
    kl_context_free(ctx);
}

static int has_channel(const kl_member *m, kl_channel ch)
{
    size_t i;
    for (i = 0; i < kl_member_contact_count(m); i++)
        if (kl_contact_channel(kl_member_contact_at(m, i)) == ch)
            return 1;
    return 0;
}

static int str_is(const char *s, const char *want)
{
    return s && strcmp(s, want) == 0;
}

/* Members, contacts and addresses are opaque: every field through an accessor. */
static void member_accessors(const kl_review *review)
{
    const kl_member *m01 = kl_review_find_member(review, "m01");
    const kl_member *m02 = kl_review_find_member(review, "m02");
    const kl_member *m03 = kl_review_find_member(review, "m03");
    const kl_member *m05 = kl_review_find_member(review, "m05");
    const kl_member *m06 = kl_review_find_member(review, "m06");
    const kl_contact *c;
    const kl_address *a;
    CHECK(m01 && m02 && m03 && m05 && m06, "the example's members m01, m02, m03, m05, m06");
    if (!m01 || !m02 || !m03 || !m05 || !m06)
        return;
    CHECK(str_is(kl_member_id(m01), "m01") && str_is(kl_member_relationship(m01), "mother") &&
              kl_member_gender(m01) == KL_GENDER_FEMALE && kl_member_age(m01) == -1 &&
              kl_member_parental_responsibility(m01) == 1 && str_is(kl_member_title(m01), "Ms") &&
              str_is(kl_member_given(m01), "Zofia") && str_is(kl_member_family(m01), "Nowak"),
          "kl_member_id, _relationship, _gender, _age, _parental_responsibility, _title, _given, "
          "_family");
    CHECK(str_is(kl_member_locale(m01), "pl") && kl_member_also(m01) == NULL &&
              str_is(kl_member_interpreter(m01), "pl") &&
              kl_member_reading(m01) == KL_READING_PLAIN && kl_member_print_size(m01) == 18.0 &&
              str_is(kl_member_print_profile(m01), "large"),
          "kl_member_locale, _also, _interpreter, _reading, _print_size, _print_profile");
    CHECK(kl_member_source(m01) && kl_member_line(m01) > 0 && kl_member_column(m01) > 0,
          "kl_member_source, _line, _column");
    c = kl_member_contact_at(m01, 0);
    a = kl_contact_address(c);
    CHECK(kl_member_contact_count(m01) == 1 && kl_contact_channel(c) == KL_CHANNEL_POST && a &&
              kl_contact_email(c) == NULL && kl_contact_line(c) > kl_member_line(m01) &&
              kl_contact_column(c) > 0,
          "kl_member_contact_count, _contact_at, kl_contact_channel, _address, _line, _column");
    CHECK(kl_member_contact_at(m01, 1) == NULL, "a contact past the end is NULL");
    a = kl_contact_address(kl_member_contact_at(m06, 0));
    CHECK(kl_address_line_count(a) == 2 && str_is(kl_address_line(a, 1), "27 Victoria Road") &&
              kl_address_line(a, 2) == NULL && str_is(kl_address_town(a), "Northtown") &&
              str_is(kl_address_postcode(a), "NT3 9HX"),
          "kl_address_line_count, _line, _town, _postcode");
    CHECK(str_is(kl_contact_professional(kl_member_contact_at(m02, 0)), "his probation officer"),
          "kl_contact_professional");
    CHECK(str_is(kl_contact_email(kl_member_contact_at(m03, 0)), "kacper@mail.example") &&
              str_is(kl_contact_phone(kl_member_contact_at(m03, 1)), "07700 900456") &&
              kl_member_age(m03) == 15,
          "kl_contact_email, _phone");
    CHECK(kl_member_contact_none(m05) == 1 && kl_member_contact_count(m05) == 0 &&
              kl_member_reason(m05) != NULL,
          "kl_member_contact_none, _reason");
    {
        /* Which letter readability measures: the library's policy. */
        kl_channel ch;
        kl_reading v;
        const char *why = "unset";
        CHECK(kl_readability_letter_for(review, m03, &ch, &v, &why) == 0 && why == NULL &&
                  ch == KL_CHANNEL_EMAIL && v == KL_READING_YOUNG_PERSON,
              "kl_readability_letter_for: the first channel that is not a text, own variant");
        CHECK(kl_readability_letter_for(review, m02, &ch, &v, &why) == 0 && why == NULL &&
                  ch == KL_CHANNEL_VIA_PROFESSIONAL,
              "kl_readability_letter_for: via a professional");
        CHECK(kl_readability_letter_for(review, m05, &ch, &v, &why) == 0 && why != NULL &&
                  strstr(why, "not contacted") != NULL,
              "kl_readability_letter_for: a member not contacted has no letter");
        CHECK(kl_readability_letter_for(review, m05, NULL, &v, &why) == KL_EINVAL,
              "kl_readability_letter_for: NULL is KL_EINVAL");
    }
    CHECK(kl_member_id(NULL) == NULL && kl_member_contact_count(NULL) == 0 &&
              kl_member_contact_at(NULL, 0) == NULL && kl_contact_address(NULL) == NULL &&
              kl_address_line_count(NULL) == 0 && kl_address_line(NULL, 0) == NULL,
          "accessors take NULL");
}

/* kl_review_languages(): the example's languages, each once, with its catalog's status. */
typedef struct langs_seen {
    int n, en_source, pl_members, statuses_ok, cy;
} langs_seen;

static void count_language(const kl_review_language *l, void *userdata)
{
    langs_seen *s = (langs_seen *)userdata;
    s->n++;
    if (!strcmp(l->locale, "en-GB"))
        s->en_source = !strcmp(l->status, "source") && l->catalog != NULL;
    if (!strcmp(l->locale, "pl"))
        s->pl_members = (int)l->members;
    if (!strcmp(l->locale, "cy"))
        s->cy++;
    if (strcmp(l->status, "source") && strcmp(l->status, "draft") &&
        strcmp(l->status, "reviewed") && strcmp(l->status, "missing") && l->status[0])
        s->statuses_ok = 0;
    if (l->size < sizeof *l)
        s->statuses_ok = 0;
}

/* The bundled example: load it, compose and render letters for its members. */
static void letters(kl_context *ctx, const kl_review *review)
{
    kl_template *tpl = NULL;
    kl_catalog_set *cats = NULL;
    kl_pdf_renderer *base = NULL, *sibling = NULL;
    kl_catalog_meta meta = KL_CATALOG_META_INIT;
    size_t i;
    const kl_member *post = NULL, *sms = NULL;

    CHECK(kl_template_load_name(ctx, "notification", &tpl) == 0, "kl_template_load_name");
    CHECK(tpl && strcmp(kl_template_name(tpl), "notification") == 0, "kl_template_name");
    CHECK(kl_catalog_set_open(ctx, NULL, &cats) == 0, "kl_catalog_set_open");
    if (!tpl || !cats)
        goto out;
    CHECK(kl_catalog_set_dir(cats)[strlen(kl_catalog_set_dir(cats)) - 1] == '/',
          "kl_catalog_set_dir ends with /");
    CHECK(kl_catalog_set_meta(ctx, cats, "en-GB", &meta) == 0 && strcmp(meta.status, "source") == 0,
          "the English catalog is the source");
    CHECK(kl_catalog_set_meta(ctx, cats, "tlh", &meta) == KL_ENOTFOUND,
          "no catalog for a language gives KL_ENOTFOUND");
    CHECK(kl_template_check_messages(ctx, tpl, cats, "en-GB") == 0,
          "every message of the template is in the English catalog");
    {
        langs_seen s = {0, 0, 0, 1, 0};
        CHECK(kl_review_languages(ctx, review, cats, count_language, &s) == 0 && s.n >= 5 &&
                  s.en_source && s.pl_members == 2 && s.cy == 1 && s.statuses_ok,
              "kl_review_languages: each language once, English the source, Polish for m01 and "
              "m02");
        CHECK(kl_review_languages(ctx, review, cats, NULL, NULL) == KL_EINVAL,
              "kl_review_languages: no callback is KL_EINVAL");
    }

    for (i = 0; i < kl_review_member_count(review); i++) {
        const kl_member *m = kl_review_member(review, i);
        if (!kl_review_member_ok(review, m) || !kl_member_locale(m) ||
            strcmp(kl_member_locale(m), "en-GB") != 0)
            continue;
        if (!post && has_channel(m, KL_CHANNEL_EMAIL))
            post = m;
        if (!sms && has_channel(m, KL_CHANNEL_SMS))
            sms = m;
    }
    CHECK(post && sms, "the example has an English member reached by email and text");
    if (!post || !sms)
        goto out;

    CHECK(kl_pdf_renderer_new(ctx, NULL, &base) == 0, "kl_pdf_renderer_new");
    CHECK(base && kl_pdf_renderer_new_sibling(base, &sibling) == 0, "kl_pdf_renderer_new_sibling");
    {
        kl_letter_options lo = KL_LETTER_OPTIONS_INIT;
        kl_pdf_options po = KL_PDF_OPTIONS_INIT;
        kl_letter *letter = NULL;
        char *text = NULL, *subject = NULL, *body = NULL;
        unsigned char *pdf = NULL;
        size_t len = 0;
        unsigned pages = 0;
        lo.date = "2026-10-09";
        po.creation_date = "2026-10-09T12:00:00Z";
        CHECK(kl_letter_compose(ctx, tpl, cats, review, post, KL_CHANNEL_EMAIL, &lo, &letter) == 0,
              "kl_letter_compose");
        if (letter) {
            CHECK(strcmp(kl_letter_lang(letter), "en-GB") == 0, "kl_letter_lang");
            CHECK(kl_letter_title(letter) && kl_letter_title(letter)[0], "kl_letter_title");
            CHECK(kl_letter_fallback_count(letter) == 0 && kl_letter_fallback(letter, 0) == NULL,
                  "no fallback without allow_language_fallback");
            CHECK(kl_letter_render_text(ctx, letter, &text) == 0 && strlen(text) > 200,
                  "kl_letter_render_text");
            CHECK(text && strstr(text, kl_member_given(post)), "the letter names the member");
            CHECK(kl_letter_render_email(ctx, letter, &subject, &body) == 0 && subject[0] &&
                      !strchr(subject, '\n'),
                  "kl_letter_render_email gives a one-line subject");
            CHECK(kl_letter_render_pdf(ctx, sibling, letter, &po, &pdf, &len, &pages) == 0 &&
                      len > 1000 && memcmp(pdf, "%PDF-", 5) == 0 && pages >= 1,
                  "kl_letter_render_pdf");
            kl_free(text);
            text = NULL;
            CHECK(kl_letter_render_sms(ctx, letter, &text, NULL) == KL_ENOTFOUND,
                  "a letter not composed for sms has no text message");
        }
        kl_free(text);
        kl_free(subject);
        kl_free(body);
        kl_free(pdf);
        kl_letter_free(letter);
        letter = NULL;
        text = NULL;
        CHECK(kl_letter_compose(ctx, tpl, cats, review, sms, KL_CHANNEL_SMS, &lo, &letter) == 0,
              "compose for sms");
        if (letter) {
            kl_sms_info info = KL_SMS_INFO_INIT;
            CHECK(kl_letter_render_sms(ctx, letter, &text, &info) == 0 && info.segments >= 1 &&
                      info.segments <= 3,
                  "kl_letter_render_sms");
        }
        kl_free(text);
        kl_letter_free(letter);
    }
    {
        kl_sms_info info = KL_SMS_INFO_INIT;
        CHECK(kl_sms_measure(ctx, "Hello", &info) == 0 && info.segments == 1 && !info.ucs2,
              "kl_sms_measure: GSM-7");
        CHECK(kl_sms_measure(ctx, "Cześć", &info) == 0 && info.ucs2, "kl_sms_measure: UCS-2");
        {
            /* Caller-allocated structs carry their size: one too small is refused, and
             * a program built against a later header with more fields keeps them. */
            struct later {
                kl_sms_info info;
                int added;
            } later;
            kl_sms_info tiny = KL_SMS_INFO_INIT;
            kl_batch_totals none = KL_BATCH_TOTALS_INIT;
            kl_catalog_meta zero = KL_CATALOG_META_INIT;
            tiny.size = sizeof(size_t);
            CHECK(kl_sms_measure(ctx, "Hello", &tiny) == KL_EINVAL &&
                      kl_context_last_error(ctx) != NULL,
                  "kl_sms_measure: an info whose size is too small is KL_EINVAL");
            memset(&later, 0x5a, sizeof later);
            later.info.size = sizeof later;
            CHECK(kl_sms_measure(ctx, "Hello", &later.info) == 0 && later.info.segments == 1 &&
                      later.info.size == sizeof later && later.added == 0x5a5a5a5a,
                  "kl_sms_measure: fields past the library's struct are left alone");
            CHECK(kl_batch_result_totals(NULL, &none) == KL_EINVAL &&
                      kl_batch_result_totals(NULL, NULL) == KL_EINVAL,
                  "kl_batch_result_totals: NULL is KL_EINVAL");
            zero.size = 0;
            CHECK(kl_catalog_set_meta(ctx, cats, "en-GB", &zero) == KL_EINVAL,
                  "kl_catalog_set_meta: size 0 is KL_EINVAL");
        }
    }
out:
    kl_pdf_renderer_free(sibling);
    kl_pdf_renderer_free(base);
    kl_catalog_set_free(cats);
    kl_template_free(tpl);
}

static void batch(kl_context *ctx, const kl_review *review)
{
    char dir[] = "/tmp/kl-api-XXXXXX";
    char cmd[64];
    kl_batch_options o = KL_BATCH_OPTIONS_INIT;
    kl_batch_result *res = NULL;
    kl_batch_totals t = KL_BATCH_TOTALS_INIT;
    size_t i, written = 0;
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp");
        return;
    }
    o.output_dir = dir;
    o.jobs = 2;
    o.date = "2026-10-09";
    CHECK(kl_batch_generate(ctx, review, &o, &res) == 0 && res, "kl_batch_generate");
    if (res) {
        CHECK(kl_batch_result_totals(res, &t) == 0, "kl_batch_result_totals");
        CHECK(t.members == kl_review_member_count(review), "every member is in the totals");
        CHECK(t.files > 0 && t.pages > 0, "files and pages were written");
        CHECK(strncmp(kl_batch_result_dir(res), dir, strlen(dir)) == 0, "kl_batch_result_dir");
        for (i = 0; i < kl_batch_result_row_count(res); i++)
            written += kl_batch_result_row(res, i)->status == KL_BATCH_WRITTEN;
        CHECK(written == t.files, "one written row per file");
        CHECK(kl_batch_result_row(res, kl_batch_result_row_count(res)) == NULL,
              "a row past the end is NULL");
        CHECK(strcmp(kl_batch_status_name(KL_BATCH_NOT_CONTACTED), "not-contacted") == 0,
              "kl_batch_status_name");
    }
    kl_batch_result_free(res);
    res = NULL;
    CHECK(kl_batch_generate(ctx, review, &o, &res) == KL_EEXISTS,
          "a second run without force changes nothing");
    kl_batch_result_free(res);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "clean up");
}

/* kl_catalog_fit: a row per template and print profile; the pseudo-locale (40%
 * longer) runs pages longer than the English, the Polish catalog does not. */
typedef struct fit_seen {
    int rows, longer, very_large_rows;
} fit_seen;

static void fit_row(const char *letter, const char *print, int en, int tr, const char *word,
                    int problem, void *userdata)
{
    fit_seen *s = (fit_seen *)userdata;
    s->rows++;
    s->longer += en >= 1 && tr > en + 1;
    s->very_large_rows += strcmp(print, "very-large") == 0;
    CHECK(letter && *letter && en >= 1 && tr >= 1, "a fit row names its letter and pages");
    CHECK(problem == (tr > en + 1 || word != NULL), "a fit row is a problem by its own figures");
}

static void catalog_fit(kl_context *ctx)
{
    kl_catalog_set *cats = NULL;
    fit_seen pl = {0, 0, 0}, xa = {0, 0, 0};
    size_t problems_pl = 99, problems_xa = 0;
    CHECK(kl_catalog_set_open(ctx, NULL, &cats) == 0, "kl_catalog_set_open (fit)");
    CHECK(kl_catalog_fit(ctx, cats, "pl", fit_row, &pl, &problems_pl) == 0, "kl_catalog_fit pl");
    CHECK(pl.rows == 12 && pl.very_large_rows == 4, "fit: 4 templates x 3 print profiles");
    CHECK(problems_pl == 0 && pl.longer == 0, "fit: the Polish letters fit");
    CHECK(kl_catalog_fit(ctx, cats, "en-XA", fit_row, &xa, &problems_xa) == 0,
          "kl_catalog_fit en-XA");
    CHECK(xa.longer > 0 && problems_xa >= (size_t)xa.longer,
          "fit: the pseudo-locale's longer letters are problems");
    kl_catalog_set_free(cats);
}

int main(void)
{
    kl_context *ctx = NULL;
    kl_review *review = NULL;
    char *path = NULL;
    context_and_errors();
    review_errors();
    if (kl_context_new(&ctx) != 0)
        return 1;
    CHECK(kl_context_find_data(ctx, "templates/example/review.xml", &path) == 0,
          "the example review is on the data path (KINLETTER_DATADIR)");
    CHECK(path && kl_review_load_file(ctx, path, NULL, &review) == 0, "kl_review_load_file");
    if (review) {
        const kl_member *m = kl_review_member(review, 0);
        CHECK(strcmp(kl_review_id(review), "NSCP-2026-017") == 0, "kl_review_id");
        CHECK(strcmp(kl_review_type_name(kl_review_get_type(review)), "lcspr") == 0,
              "kl_review_get_type");
        CHECK(kl_review_member_count(review) >= 5, "kl_review_member_count");
        CHECK(m && kl_review_find_member(review, kl_member_id(m)) == m, "kl_review_find_member");
        CHECK(kl_review_find_member(review, "nobody") == NULL, "an unknown id is NULL");
        CHECK(kl_review_member(review, kl_review_member_count(review)) == NULL,
              "a member past the end is NULL");
        CHECK(kl_review_error_count(review) == 0, "the example has no errors");
        CHECK(strcmp(kl_gender_name(KL_GENDER_FEMALE), "female") == 0 &&
                  strcmp(kl_reading_name(KL_READING_YOUNG_PERSON), "young-person") == 0 &&
                  strcmp(kl_channel_name(KL_CHANNEL_VIA_PROFESSIONAL), "via-professional") == 0,
              "stable names");
        (void)kl_review_warning_count(review);
        member_accessors(review);
        letters(ctx, review);
        batch(ctx, review);
        catalog_fit(ctx);
    }
    kl_review_free(review);
    kl_free(path);
    kl_context_free(ctx);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
