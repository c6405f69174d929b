/* SPDX-License-Identifier: MIT */
/* tests/unit/l10n_test.c: the translator tools (lib/l10n): checks, stamping, exchange files,
 * init, pseudo-locales, compiling a working copy. */
#include "support.h"
#include "l10n/l10n_priv.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct found {
    size_t n;
    struct {
        kl_finding_kind kind;
        kl_severity sev;
        char id[64], variant[16], file[512], msg[512], english[256], old[256];
        unsigned line;
    } f[128];
} found;

static void collect(const kl_catalog_finding *f, void *ud)
{
    found *fd = ud;
    if (fd->n == 128)
        return;
    fd->f[fd->n].kind = f->kind;
    fd->f[fd->n].sev = f->severity;
    fd->f[fd->n].line = f->line;
    snprintf(fd->f[fd->n].id, sizeof fd->f[0].id, "%s", f->msgid);
    snprintf(fd->f[fd->n].variant, sizeof fd->f[0].variant, "%s", f->variant);
    snprintf(fd->f[fd->n].file, sizeof fd->f[0].file, "%s", f->file);
    snprintf(fd->f[fd->n].msg, sizeof fd->f[0].msg, "%s", f->message);
    snprintf(fd->f[fd->n].english, sizeof fd->f[0].english, "%s", f->english ? f->english : "");
    snprintf(fd->f[fd->n].old, sizeof fd->f[0].old, "%s", f->old_english ? f->old_english : "");
    fd->n++;
}

/* Index of the finding of this kind for this message, or -1. */
static int find(const found *fd, kl_finding_kind k, const char *id)
{
    for (size_t i = 0; i < fd->n; i++)
        if (fd->f[i].kind == k && strcmp(fd->f[i].id, id) == 0)
            return (int)i;
    return -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 22);
    size_t n = fread(buf, 1, (1 << 22) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

/* A private copy of a directory's catalogs (and history), to change. */
static const char *copy_dir(const char *from)
{
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s/klcat-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    DIR *d = opendir(from);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || (strcmp(e->d_name + len - 4, ".txt") && strcmp(e->d_name + len - 4, ".tsv")))
            continue;
        char a[2048], b[2048];
        snprintf(a, sizeof a, "%s/%s", from, e->d_name);
        snprintf(b, sizeof b, "%s/%s", dir, e->d_name);
        char *t = slurp(a);
        assert_non_null(t);
        spit(b, t);
        free(t);
    }
    closedir(d);
    return dir;
}

static void remove_dir(const char *dir)
{
    kl_catalog_remove_compiled(dir);
}

static kl_catalog_sources *open_sources(kl_context *ctx, const char *dir)
{
    kl_catalog_sources *s = NULL;
    assert_int_equal(kl_catalog_sources_open(ctx, dir, &s), 0);
    /* Where the test catalog's messages appear (headings, list items). */
    assert_int_equal(kl_l10n__usage_from(ctx, s, kl_test_src("tests/data/catalog/templates")), 0);
    return s;
}

/* One planted problem of each kind in tests/data/catalog/pl.txt, found on
 * its own line. */
static void test_check_finds_planted_problems(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_sources *s = open_sources(ctx, kl_test_src("tests/data/catalog"));
    found fd = {0};
    assert_int_equal(kl_catalog_check(ctx, s, "pl", collect, &fd), 0);
    struct {
        kl_finding_kind k;
        const char *id;
        unsigned line;
        kl_severity sev;
    } want[] = {
        {KL_FINDING_SYNTAX, "t.title", 9, KL_SEVERITY_ERROR},
        {KL_FINDING_STRUCTURE, "t.heading", 10, KL_SEVERITY_WARNING},
        {KL_FINDING_ARG_MISSING, "t.body", 11, KL_SEVERITY_ERROR},
        {KL_FINDING_ARG_EXTRA, "t.body", 11, KL_SEVERITY_ERROR},
        {KL_FINDING_PLURAL, "t.count", 12, KL_SEVERITY_ERROR},
        {KL_FINDING_OTHER, "t.choice", 13, KL_SEVERITY_ERROR},
        {KL_FINDING_UNTRANSLATED, "t.same", 14, KL_SEVERITY_WARNING},
        {KL_FINDING_UNCONFIRMED, "t.stale", 15, KL_SEVERITY_WARNING},
        {KL_FINDING_STALE, "t.changed", 16, KL_SEVERITY_ERROR},
        {KL_FINDING_STRUCTURE, "t.item", 17, KL_SEVERITY_WARNING},
        {KL_FINDING_EXTRA, "t.extra", 19, KL_SEVERITY_WARNING},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        int k = find(&fd, want[i].k, want[i].id);
        if (k < 0)
            fail_msg("no %d finding for %s", want[i].k, want[i].id);
        assert_int_equal(fd.f[k].line, want[i].line);
        assert_int_equal(fd.f[k].sev, want[i].sev);
        assert_non_null(strstr(fd.f[k].file, "pl.txt"));
    }
    /* what each says */
    assert_non_null(strstr(fd.f[find(&fd, KL_FINDING_ARG_MISSING, "t.body")].msg, "{address}"));
    assert_non_null(strstr(fd.f[find(&fd, KL_FINDING_ARG_EXTRA, "t.body")].msg, "{adres}"));
    assert_non_null(strstr(fd.f[find(&fd, KL_FINDING_PLURAL, "t.count")].msg, "few many"));
    /* stale: shown with the English it was translated from and the English now */
    int st = find(&fd, KL_FINDING_STALE, "t.changed");
    assert_string_equal(fd.f[st].old, "Please ring {contactName}.");
    assert_string_equal(fd.f[st].english, "Please call {contactName}.");
    int miss = find(&fd, KL_FINDING_MISSING, "t.missing");
    assert_true(miss >= 0);
    assert_int_equal(fd.f[miss].sev, KL_SEVERITY_ERROR);
    assert_non_null(strstr(fd.f[miss].msg, "en_GB.txt:14"));
    /* a young_person text the English has and Polish lacks: a warning */
    int yp = find(&fd, KL_FINDING_MISSING, "t.ok");
    assert_true(yp >= 0);
    assert_string_equal(fd.f[yp].variant, "young_person");
    assert_int_equal(fd.f[yp].sev, KL_SEVERITY_WARNING);
    /* cover.* is English-only by design; t.ok is confirmed and right */
    for (size_t i = 0; i < fd.n; i++) {
        assert_string_not_equal(fd.f[i].id, "cover.note");
        if (!strcmp(fd.f[i].id, "t.ok"))
            assert_int_equal(fd.f[i].kind, KL_FINDING_MISSING);
    }
    kl_catalog_sources_free(s);
    kl_context_free(ctx);
}

/* A catalog genrb cannot read: found with its file and line. */
static void test_check_broken_file(void **state)
{
    (void)state;
    const char *dir = copy_dir(kl_test_src("tests/data/catalog"));
    char path[2048];
    snprintf(path, sizeof path, "%s/cy.txt", dir);
    spit(path, "cy {\n    standard {\n        \"t.title\" { \"Am {childName}\" }\n"
               "        \"t.ok\" { \"Diolch.\n    }\n}\n");
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_sources *s = open_sources(ctx, dir);
    found fd = {0};
    assert_int_equal(kl_catalog_check(ctx, s, "cy", collect, &fd), 0);
    assert_true(fd.n >= 1);
    bool line4 = false;
    for (size_t i = 0; i < fd.n; i++) {
        assert_int_equal(fd.f[i].kind, KL_FINDING_SYNTAX);
        assert_non_null(strstr(fd.f[i].file, "cy.txt"));
        line4 = line4 || fd.f[i].line == 4;
    }
    assert_true(line4); /* the string that is never closed */
    assert_int_equal(kl_catalog_check(ctx, s, "fr", collect, &fd), KL_ENOTFOUND);
    kl_catalog_sources_free(s);
    kl_context_free(ctx);
    remove_dir(dir);
}

/* stamp records the English; when the English changes, check says stale
 * with old and new text, and letters no longer use the translation. */
static void test_stamp_then_stale(void **state)
{
    (void)state;
    const char *dir = copy_dir(kl_test_src("tests/data/catalog"));
    char dirc[1024];
    snprintf(dirc, sizeof dirc, "%s", dir);
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_catalog_sources *s = open_sources(ctx, dirc);
    size_t n = 0;
    assert_int_equal(kl_catalog_stamp(ctx, s, "pl", KL_STAMP_UNCONFIRMED, NULL, 0, &n), 0);
    assert_int_equal(n, 8); /* every translated message but the two stamped already */
    found fd = {0};
    assert_int_equal(kl_catalog_check(ctx, s, "pl", collect, &fd), 0);
    assert_int_equal(find(&fd, KL_FINDING_UNCONFIRMED, "t.body"), -1);
    assert_true(find(&fd, KL_FINDING_STALE, "t.changed") >= 0); /* not confirmed by default */
    assert_int_equal(
        kl_catalog_stamp(ctx, s, "pl", KL_STAMP_LISTED, (const char *const[]){"t.changed"}, 1, &n),
        0);
    assert_int_equal(n, 1);
    kl_catalog_sources_free(s);

    /* The file was rewritten: messages and comments as they were. */
    char path[2048];
    snprintf(path, sizeof path, "%s/pl.txt", dirc);
    char *text = slurp(path), *at = NULL;
    assert_non_null(strstr(text, "// tests/data/catalog/pl.txt: a Polish catalog"));
    assert_non_null(strstr(text, "\"t.body\" { \"Napiszemy do Pani na adres {adres}.\" }"));
    assert_non_null(strstr(text, "Machine-generated"));
    free(text);

    /* The English changes. */
    snprintf(path, sizeof path, "%s/en_GB.txt", dirc);
    text = slurp(path);
    const char *was = "The meeting is on", *is = "The meeting will be on";
    at = strstr(text, was);
    assert_non_null(at);
    char changed[1 << 12];
    snprintf(changed, sizeof changed, "%.*s%s%s", (int)(at - text), text, is, at + strlen(was));
    spit(path, changed);
    free(text);

    s = open_sources(ctx, dirc);
    memset(&fd, 0, sizeof fd);
    assert_int_equal(kl_catalog_check(ctx, s, "pl", collect, &fd), 0);
    int st = find(&fd, KL_FINDING_STALE, "t.stale");
    assert_true(st >= 0);
    assert_int_equal(fd.f[st].line, 15);
    assert_string_equal(fd.f[st].old, "The meeting is on {letterDate, date, long}.");
    assert_string_equal(fd.f[st].english, "The meeting will be on {letterDate, date, long}.");
    assert_int_equal(find(&fd, KL_FINDING_STALE, "t.changed"), -1);
    assert_int_equal(find(&fd, KL_FINDING_STALE, "t.ok"), -1);
    kl_catalog_sources_free(s);

    /* Letters: --locales DIR of text sources compiles them privately; the
     * stale message is treated as missing, the others are used. */
    kl_catalog_set *set = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, dirc, &set), 0);
    char *p = NULL;
    kl_msg_origin o;
    size_t before = d.n;
    assert_int_equal(kl_catalog__lookup(ctx, set, "pl", KL_READING_STANDARD, "t.stale", &p, &o),
                     KL_ENOTFOUND);
    assert_null(p);
    assert_true(d.n > before);
    assert_non_null(strstr(d.text[d.n - 1], "out of date"));
    assert_int_equal(kl_catalog__lookup(ctx, set, "pl", KL_READING_STANDARD, "t.changed", &p, &o),
                     0);
    assert_string_equal(p, "Prosimy zadzwonić do {contactName}.");
    kl_free(p);
    assert_int_equal(kl_catalog__lookup(ctx, set, "pl", KL_READING_STANDARD, "t.ok", &p, &o), 0);
    assert_string_equal(p, "Dziękujemy.");
    kl_free(p);
    assert_int_equal(kl_catalog__lookup(ctx, set, "en-GB", KL_READING_STANDARD, "t.stale", &p, &o),
                     0);
    assert_string_equal(p, "The meeting will be on {letterDate, date, long}.");
    kl_free(p);
    /* The private compiled directory goes when the set is freed. */
    char compiled[1024];
    snprintf(compiled, sizeof compiled, "%s", kl_catalog_set_dir(set));
    assert_int_equal(access(compiled, F_OK), 0);
    kl_catalog_set_free(set);
    assert_int_not_equal(access(compiled, F_OK), 0);
    kl_context_free(ctx);
    remove_dir(dirc);
}

static void write_file(const char *dir, const char *name, const char *text, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    spit(path, text);
}

/* Export then import of every shipped catalog changes nothing, byte for byte. */
static void test_xliff_round_trip_every_catalog(void **state)
{
    (void)state;
    const char *d0 = copy_dir(kl_test_src("locales"));
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", d0);
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_sources *s = NULL;
    assert_int_equal(kl_catalog_sources_open(ctx, dir, &s), 0);
    size_t tested = 0;
    for (size_t i = 0; i < kl_catalog_sources_count(s); i++) {
        const char *name = kl_catalog_sources_name(s, i);
        if (!strcmp(name, "en_GB"))
            continue;
        char cat[2048], xlf[2048];
        snprintf(cat, sizeof cat, "%s/%s.txt", dir, name);
        char *before = slurp(cat);
        char *x = NULL;
        size_t len = 0;
        if (kl_catalog_export_xliff(ctx, s, name, &x, &len) != 0)
            fail_msg("export %s: %s", name, kl_context_last_error(ctx)->message);
        assert_non_null(strstr(x, "urn:oasis:names:tc:xliff:document:2.0"));
        write_file(dir, "round.xlf", x, xlf, sizeof xlf);
        kl_free(x);
        size_t changed = 99;
        if (kl_catalog_import_xliff(ctx, s, xlf, 0, &changed) != 0)
            fail_msg("import %s: %s", name, kl_context_last_error(ctx)->message);
        assert_int_equal(changed, 0);
        char *after = slurp(cat);
        assert_string_equal(before, after);
        free(before);
        free(after);
        unlink(xlf);
        tested++;
    }
    assert_true(tested >= 5);
    kl_catalog_sources_free(s);
    kl_context_free(ctx);
    remove_dir(dir);
}

/* PO, XLIFF 1.2 and 2.0 through the library (pl, and ar written right to left; every
 * catalog in tests/cases/catalog/exchange.sh): the same bytes twice, imported back
 * without a change; the XLIFF 2.0 export uses inline codes. */
static void test_exchange_round_trip_every_format(void **state)
{
    (void)state;
    const char *d0 = copy_dir(kl_test_src("locales"));
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", d0);
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_sources *s = NULL;
    assert_int_equal(kl_catalog_sources_open(ctx, dir, &s), 0);
    static const kl_exchange_format fmts[] = {KL_EXCHANGE_PO, KL_EXCHANGE_XLIFF12,
                                              KL_EXCHANGE_XLIFF20};
    size_t tested = 0;
    for (size_t i = 0; i < kl_catalog_sources_count(s); i++) {
        const char *name = kl_catalog_sources_name(s, i);
        if (strcmp(name, "pl") != 0 && strcmp(name, "ar") != 0)
            continue;
        char cat[2048], file[2048];
        snprintf(cat, sizeof cat, "%s/%s.txt", dir, name);
        char *before = slurp(cat);
        for (size_t k = 0; k < 3; k++) {
            char *x = NULL, *y = NULL;
            size_t len = 0, len2 = 0;
            if (kl_catalog_export(ctx, s, name, fmts[k], &x, &len) != 0 ||
                kl_catalog_export(ctx, s, name, fmts[k], &y, &len2) != 0)
                fail_msg("export %s: %s", name, kl_context_last_error(ctx)->message);
            assert_int_equal(len, len2);
            assert_memory_equal(x, y, len);
            if (fmts[k] == KL_EXCHANGE_XLIFF20)
                assert_non_null(strstr(x, "<ph id=\"1\" equiv=\"{"));
            write_file(dir, "round.x", x, file, sizeof file);
            kl_free(x);
            kl_free(y);
            size_t changed = 99;
            if (kl_catalog_import(ctx, s, file, 0, &changed) != 0)
                fail_msg("import %s: %s", name, kl_context_last_error(ctx)->message);
            assert_int_equal(changed, 0);
            char *after = slurp(cat);
            assert_string_equal(before, after);
            free(after);
            unlink(file);
        }
        free(before);
        tested++;
    }
    assert_int_equal(tested, 2);
    kl_catalog_sources_free(s);
    kl_context_free(ctx);
    remove_dir(dir);
}

/* One msgstr changed in a PO file: that message changes; damaged, nothing does. */
static void test_po_import_one_change(void **state)
{
    (void)state;
    const char *d0 = copy_dir(kl_test_src("locales"));
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", d0);
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_catalog_sources *s = NULL;
    assert_int_equal(kl_catalog_sources_open(ctx, dir, &s), 0);
    char *po = NULL;
    assert_int_equal(kl_catalog_export(ctx, s, "pl", KL_EXCHANGE_PO, &po, NULL), 0);
    const char *at = strstr(po, "msgstr \"Z wyrazami szacunku\"");
    assert_non_null(at);
    size_t n = strlen(po);
    char *ed = malloc(n + 64);
    assert_non_null(ed);
    snprintf(ed, n + 64,
             "%.*smsgstr \"Z powa\xC5\xBC"
             "aniem\"%s",
             (int)(at - po), po, at + strlen("msgstr \"Z wyrazami szacunku\""));
    char cat[2048], file[2048];
    snprintf(cat, sizeof cat, "%s/pl.txt", dir);
    write_file(dir, "one.po", ed, file, sizeof file);
    size_t changed = 0;
    if (kl_catalog_import(ctx, s, file, 0, &changed) != 0)
        fail_msg("import: %s", kl_context_last_error(ctx)->message);
    assert_true(changed >= 1);
    char *after = slurp(cat);
    assert_non_null(strstr(after, "Z powa\xC5\xBC"
                                  "aniem"));
    assert_null(strstr(after, "Z wyrazami szacunku\""));
    /* a placeholder damaged: refused at its line, the catalog unchanged */
    kl_catalog_sources_free(s);
    assert_int_equal(kl_catalog_sources_open(ctx, dir, &s), 0);
    char *po2 = NULL;
    assert_int_equal(kl_catalog_export(ctx, s, "pl", KL_EXCHANGE_PO, &po2, NULL), 0);
    char *p = strstr(po2, "msgstr \"Nasz znak: {reviewId}\"");
    assert_non_null(p);
    memcpy(strstr(p, "{reviewId}"), "{reviewID}", 10);
    write_file(dir, "bad.po", po2, file, sizeof file);
    assert_int_equal(kl_catalog_import(ctx, s, file, 0, NULL), KL_EFORMAT);
    char *after2 = slurp(cat);
    assert_string_equal(after, after2);
    free(after2);
    /* a translation that is not UTF-8 (Latin-1 from an old editor): refused at its line */
    memcpy(strstr(p, "{reviewID}"), "{reviewId}", 10);
    char *z = strstr(p, "Nasz znak");
    z[1] = (char)0xE1; /* not a UTF-8 sequence */
    write_file(dir, "latin1.po", po2, file, sizeof file);
    d.n = 0;
    assert_int_equal(kl_catalog_import(ctx, s, file, 0, NULL), KL_EFORMAT);
    int k = kl_test_find_diag(&d, "not valid UTF-8");
    assert_true(k >= 0);
    assert_true(d.items[k].line > 0);
    after2 = slurp(cat);
    assert_string_equal(after, after2);
    free(after);
    free(after2);
    free(ed);
    kl_free(po);
    kl_free(po2);
    kl_catalog_sources_free(s);
    kl_context_free(ctx);
    remove_dir(dir);
}

/* init makes a draft catalog that exports at once; an unknown language is refused. */
static void test_init_new_catalog(void **state)
{
    (void)state;
    const char *d0 = copy_dir(kl_test_src("locales"));
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", d0);
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_sources *s = NULL;
    assert_int_equal(kl_catalog_sources_open(ctx, dir, &s), 0);
    assert_int_equal(kl_catalog_init(ctx, s, "qq", NULL), KL_EINVAL);
    assert_int_not_equal(kl_catalog_init(ctx, s, "pl", NULL), 0);
    char *path = NULL;
    assert_int_equal(kl_catalog_init(ctx, s, "de", &path), 0);
    char *text = slurp(path);
    assert_non_null(strstr(text, "status { \"draft\" }"));
    free(text);
    kl_free(path);
    kl_catalog_sources_free(s);
    assert_int_equal(kl_catalog_sources_open(ctx, dir, &s), 0);
    char *x = NULL;
    assert_int_equal(kl_catalog_export(ctx, s, "de", KL_EXCHANGE_XLIFF12, &x, NULL), 0);
    assert_non_null(strstr(x, "target-language=\"de\""));
    /* nothing translated: the only target is the gettext header unit's */
    const char *t = strstr(x, "<target");
    assert_non_null(t);
    assert_true(t > strstr(x, "restype=\"x-gettext-domain-header\""));
    assert_null(strstr(t + 1, "<target"));
    kl_free(x);
    kl_catalog_sources_free(s);
    kl_context_free(ctx);
    remove_dir(dir);
}

/* Replace the text of unit id's target in an XLIFF document (malloc'd). */
static char *set_target(const char *x, const char *id, const char *text)
{
    char key[256];
    snprintf(key, sizeof key, "<unit id=\"%s\">", id);
    const char *u = strstr(x, key);
    assert_non_null(u);
    const char *t = strstr(u, "<target xml:space=\"preserve\">");
    assert_non_null(t);
    t += strlen("<target xml:space=\"preserve\">");
    const char *e = strstr(t, "</target>");
    size_t n = strlen(x) + strlen(text) + 1;
    char *r = malloc(n);
    snprintf(r, n, "%.*s%s%s", (int)(t - x), x, text, e);
    return r;
}

/* A changed translation comes back; one bad unit means nothing changes. */
static void test_xliff_import_changes_or_nothing(void **state)
{
    (void)state;
    const char *d0 = copy_dir(kl_test_src("locales"));
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", d0);
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    kl_catalog_sources *s = NULL;
    assert_int_equal(kl_catalog_sources_open(ctx, dir, &s), 0);
    char *x = NULL;
    assert_int_equal(kl_catalog_export_xliff(ctx, s, "pl", &x, NULL), 0);
    char cat[2048], xlf[2048];
    snprintf(cat, sizeof cat, "%s/pl.txt", dir);
    char *before = slurp(cat);

    /* 1. not XML */
    char *bad = strdup(x);
    bad[strlen(bad) / 2] = '\0';
    write_file(dir, "bad.xlf", bad, xlf, sizeof xlf);
    assert_int_equal(kl_catalog_import_xliff(ctx, s, xlf, 0, NULL), KL_EPARSE);
    free(bad);
    /* 2. a placeholder lost, and a unit with an unknown id */
    bad = set_target(x, "common.reference", "Nasz znak");
    char *bad2 = strdup(bad);
    char *u = strstr(bad2, "<unit id=\"common.signoff\">");
    memcpy(u, "<unit id=\"common.signofX\">", strlen("<unit id=\"common.signofX\">"));
    write_file(dir, "bad.xlf", bad2, xlf, sizeof xlf);
    d.n = 0;
    assert_int_equal(kl_catalog_import_xliff(ctx, s, xlf, 0, NULL), KL_EFORMAT);
    int k = kl_test_find_diag(&d, "{reviewId}");
    assert_true(k >= 0);
    assert_true(d.items[k].line > 0); /* the line of the target in the XLIFF */
    assert_true(kl_test_find_diag(&d, "common.signofX") >= 0);
    char *after = slurp(cat);
    assert_string_equal(before, after);
    free(after);
    free(bad);
    free(bad2);

    /* 3. a good change: only that message (and its fingerprint) changes */
    char *good = set_target(x, "common.signoff", "Z poważaniem");
    write_file(dir, "good.xlf", good, xlf, sizeof xlf);
    size_t changed = 0;
    assert_int_equal(kl_catalog_import_xliff(ctx, s, xlf, 0, &changed), 0);
    assert_true(changed >= 1);
    free(good);
    after = slurp(cat);
    assert_string_not_equal(before, after);
    assert_non_null(strstr(after, "\"common.signoff\" { \"Z poważaniem\" }"));
    free(after);
    kl_csrc *was = NULL, *now = NULL;
    assert_int_equal(kl_l10n__src_parse(ctx, "before", before, strlen(before), &was), 0);
    assert_int_equal(kl_l10n__src_load(ctx, cat, &now), 0);
    size_t same = 0;
    for (size_t i = 0; i < was->n_strs; i++) {
        const kl_csrc_str *a = &was->strs[i];
        const kl_csrc_str *b = kl_l10n__src_find(now, a->table, a->key);
        assert_non_null(b);
        if (!strcmp(a->table, "standard") && !strcmp(a->key, "common.signoff"))
            assert_string_equal(b->text, "Z poważaniem");
        else if (strncmp(a->table, "sources", 7) != 0) {
            assert_string_equal(a->text, b->text);
            same++;
        }
    }
    assert_true(same > 100);
    kl_l10n__src_free(was);
    kl_l10n__src_free(now);
    /* genrb compiles the result, and letters read the new text */
    kl_catalog_set *set = NULL;
    assert_int_equal(kl_catalog_set_open(ctx, dir, &set), 0);
    char *p = NULL;
    kl_msg_origin o;
    assert_int_equal(
        kl_catalog__lookup(ctx, set, "pl", KL_READING_STANDARD, "common.signoff", &p, &o), 0);
    assert_string_equal(p, "Z poważaniem");
    kl_free(p);
    kl_catalog_set_free(set);
    free(before);
    kl_free(x);
    kl_catalog_sources_free(s);
    kl_context_free(ctx);
    remove_dir(dir);
}

static void test_pseudo_locales(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    kl_catalog_sources *s = open_sources(ctx, kl_test_src("tests/data/catalog"));
    char *out = NULL;
    assert_int_equal(kl_catalog_pseudo(ctx, s, "en-XA", &out), 0);
    /* accented, placeholders and select keywords kept, bracketed, longer */
    assert_non_null(strstr(out, "\"t.title\" { \"[Åƀöûţ ~~~ {childName}]\" }"));
    assert_non_null(strstr(out, "{childGender, select, female {ýöûŕ ðáûĝĥţéŕ ~~~~~~} male"));
    assert_non_null(strstr(out, "en_XA {"));
    kl_free(out);
    assert_int_equal(kl_catalog_pseudo(ctx, s, "ar-XB", &out), 0);
    assert_non_null(strstr(out, "ar_XB {"));
    assert_non_null(strstr(out, "\\u202EAbout \\u202C{childName}"));
    kl_free(out);
    assert_int_equal(kl_catalog_pseudo(ctx, s, "fr-XA", &out), KL_EINVAL);
    /* a pseudo message formats like the English */
    char *p = NULL;
    assert_int_equal(kl_catalog__pseudo("{n, plural, one {# day} other {# days}}", 0, &p), 0);
    kl_fmt_arg a[] = {{"n", KL_ARG_NUMBER, NULL, 3, {0, 0, 0}}};
    char *f = NULL;
    kl_fmt_error fe;
    assert_int_equal(kl_catalog__format("en", p, a, 1, &f, &fe), 0);
    assert_string_equal(f, "[3 ðáýš ~~]");
    kl_free(f);
    kl_free(p);
    kl_catalog_sources_free(s);
    kl_context_free(ctx);
}

/* kl_catalog_remove_compiled() removes only what kl_catalog_compile() made:
 * a directory of someone else's files (a wrong path) is left as it was. */
static void test_remove_compiled_only_its_own(void **state)
{
    (void)state;
    kl_test_diags d;
    kl_context *ctx = kl_test_context(&d);
    char other[] = "/tmp/kinletter-catalogs-notoursXXXXXX";
    assert_non_null(mkdtemp(other));
    char path[256];
    snprintf(path, sizeof path, "%s/notes.res", other);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("a coordinator's file", f);
    fclose(f);
    kl_catalog_remove_compiled(other);
    assert_int_equal(access(path, F_OK), 0); /* no mark: nothing removed */
    char plain[] = "/tmp/some-dirXXXXXX";
    assert_non_null(mkdtemp(plain));
    kl_catalog_remove_compiled(plain);
    assert_int_equal(access(plain, F_OK), 0);
    unlink(path);
    rmdir(other);
    rmdir(plain);
    /* Its own directory: removed with its compiled catalogs. */
    char *dir = NULL;
    assert_int_equal(kl_l10n__mkdtemp(ctx, &dir), 0);
    snprintf(path, sizeof path, "%s/pl.res", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    kl_catalog_remove_compiled(dir);
    assert_int_not_equal(access(dir, F_OK), 0);
    kl_free(dir);
    kl_context_free(ctx);
}

/* The source reader decodes every escape ICU's genrb accepts, as genrb does: a translator's
 * \n or \u2068 means the same to our checks as to the compiled catalog. */
static void test_source_escapes(void **state)
{
    (void)state;
    kl_context *ctx = kl_test_context(NULL);
    const char *text =
        "x {\n    standard {\n"
        "        k { \"a\\tb\\nc\\x41\\x{1F600}\\u00e9\\U0001F600\\101\\e\\\"q\\\\\" }\n"
        "        pair { \"\\uD83D\\uDE00\" \"!\" }\n"
        "        bad { \"\\u12\" }\n    }\n}\n";
    kl_csrc *src = NULL;
    /* \u with fewer than 4 hex digits is refused, with its position */
    assert_int_equal(kl_l10n__src_parse(ctx, "x.txt", text, strlen(text), &src), KL_EPARSE);
    assert_int_equal(kl_context_last_error(ctx)->line, 5);
    assert_int_equal(kl_context_last_error(ctx)->column, 16);
    kl_l10n__src_free(src);
    src = NULL;
    char good[512];
    snprintf(good, sizeof good, "%.*s    }\n}\n", (int)(strstr(text, "        bad") - text), text);
    assert_int_equal(kl_l10n__src_parse(ctx, "x.txt", good, strlen(good), &src), 0);
    const kl_csrc_str *k = kl_l10n__src_find(src, "standard", "k");
    assert_non_null(k);
    assert_string_equal(k->text, "a\tb\ncA\xF0\x9F\x98\x80\xC3\xA9\xF0\x9F\x98\x80"
                                 "A\x1b\"q\\");
    const kl_csrc_str *pair = kl_l10n__src_find(src, "standard", "pair");
    assert_non_null(pair);
    assert_string_equal(pair->text, "\xF0\x9F\x98\x80!"); /* one character; strings joined */
    kl_l10n__src_free(src);
    kl_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_finds_planted_problems),
        cmocka_unit_test(test_check_broken_file),
        cmocka_unit_test(test_stamp_then_stale),
        cmocka_unit_test(test_xliff_round_trip_every_catalog),
        cmocka_unit_test(test_xliff_import_changes_or_nothing),
        cmocka_unit_test(test_exchange_round_trip_every_format),
        cmocka_unit_test(test_po_import_one_change),
        cmocka_unit_test(test_init_new_catalog),
        cmocka_unit_test(test_pseudo_locales),
        cmocka_unit_test(test_remove_compiled_only_its_own),
        cmocka_unit_test(test_source_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
