/* SPDX-License-Identifier: MIT */
/* tests/disclosure/property_test.c: the disclosure promise as a property.
 *
 * Thousands of random families with overlapping and near-identical details
 * (shared homes, neighbours in one building, phone numbers one digit apart),
 * half of them with another member's detail planted, in a random spelling,
 * in a field some letter prints (the partnership, the contact's hours and
 * role, the reviewer's role, an agency, a support service, a member's own
 * name, the professional), and a hostile template that selects another
 * member's details (it sees the review with only its own member in it, so it
 * finds none: what it prints is searched like the rest). Every member's
 * letter is composed for every template and channel, and everything the
 * library hands out (the document tree the PDF is drawn from, the text, the
 * email subject and body, the text message) is searched by a matcher written
 * here, independent of the library's: no output for member X may hold a
 * detail of a member outside X's household, in any spelling. Families with
 * nothing planted must have every letter written (no false positives).
 *
 * KL_PROPERTY_FAMILIES sets the number of families (default 2000);
 * KL_PROPERTY_SEED the first seed. A failure prints the seed to replay. */
#include "compose/compose.h"
#include "kinletter.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

/* ---- a small deterministic generator ------------------------------------------------ */

static unsigned long long rng_state;
static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng_state >> 33) % n);
}

typedef struct buf {
    char *s;
    size_t len, cap;
} buf;

static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

/* ---- a family ------------------------------------------------------------------------ */

#define MAX_MEMBERS 7
#define MAX_DETAILS 8

typedef struct person {
    char id[16];
    int withheld; /* 0 no, 1 via-professional, 2 contact="none" (with an address on file) */
    char line1[64], line2[64], town[40], pc[12];
    bool post, email, sms;
    char phone[24], mail[64];
    char locale[8];
    char given[160], family[40], professional[160];
    /* what identifies this person (as written in the review) */
    char details[MAX_DETAILS][160];
    int is_phone[MAX_DETAILS];
    size_t n_details;
    char own[512]; /* the person's whole address and contact details, for "known to" */
} person;

static const char *const streets[] = {"Elm Road",    "Elm Close", "Oak Lane",
                                      "Church View", "Mill Lane", "High Street"};
static const char *const buildings[] = {"Ash Court", "Ash Court House", "Cedar House"};
static const char *const houses[] = {"Bwthyn y Nant", "Rose Cottage", "The Old Forge"};
/* Towns that are also words, months, given names, or inside another town's name. */
static const char *const towns[] = {
    "Reading", "March",  "Sandy", "Preston", "Northbridge", "Llanfair Northbridge",
    "Wells",   "Street", "Bath",  "Hope",    "Ware",        "Ash",
    "Mold",    "Rose"};
static const char *const postcodes[] = {"NT2 7QP", "NT2 7QR",  "LL1 2DE",
                                        "RG1 1AA", "PE15 8AA", "NT12 7QP"};
static const char *const locales[] = {"en-GB", "en-GB", "en-GB", "cy", "ar", "pl", "ur"};

static void add_detail(person *p, const char *d, int phone)
{
    if (p->n_details < MAX_DETAILS) {
        snprintf(p->details[p->n_details], sizeof p->details[0], "%s", d);
        p->is_phone[p->n_details++] = phone;
    }
}

static void make_person(person *p, int k, person *fam)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "m%02d", k + 1);
    snprintf(p->locale, sizeof p->locale, "%s", locales[rnd(7)]);
    snprintf(p->given, sizeof p->given, "Person%d", k + 1);
    snprintf(p->family, sizeof p->family, "Kowal");
    unsigned w = rnd(10);
    p->withheld = w == 0 ? 1 : w == 1 ? 2 : 0;
    if (k > 0 && rnd(5) == 0 && !fam[k - 1].withheld && fam[k - 1].post) {
        /* A shared home: the same address as the member before. */
        person *h = &fam[k - 1];
        snprintf(p->line1, sizeof p->line1, "%s", h->line1);
        snprintf(p->line2, sizeof p->line2, "%s", h->line2);
        snprintf(p->town, sizeof p->town, "%s", h->town);
        snprintf(p->pc, sizeof p->pc, "%s", h->pc);
    } else {
        unsigned kind = rnd(3);
        if (kind == 0) {
            snprintf(p->line1, sizeof p->line1, "%u %s", 1 + rnd(14), streets[rnd(6)]);
        } else if (kind == 1) {
            snprintf(p->line1, sizeof p->line1, "Flat %u", 1 + rnd(14));
            snprintf(p->line2, sizeof p->line2, "%s", buildings[rnd(3)]);
        } else {
            snprintf(p->line1, sizeof p->line1, "%s", houses[rnd(3)]);
        }
        snprintf(p->town, sizeof p->town, "%s", towns[rnd(14)]);
        snprintf(p->pc, sizeof p->pc, "%s", postcodes[rnd(6)]);
    }
    if (p->withheld != 1)
        p->post = true;
    if (!p->withheld) {
        p->email = rnd(3) == 0;
        p->sms = rnd(3) == 0;
    }
    /* Phone numbers one digit apart; some members share one. */
    snprintf(p->phone, sizeof p->phone, "07700 900%03u", 100 + rnd(12));
    snprintf(p->mail, sizeof p->mail, "%s.kowal%u@mail.example", k % 2 ? "sam" : "jo", rnd(3));
    /* What identifies them (the model of docs/SECURITY.md). */
    if (p->post) {
        if (p->line2[0]) {
            char two[140];
            snprintf(two, sizeof two, "%s %s", p->line1, p->line2);
            add_detail(p, two, 0);
        } else {
            add_detail(p, p->line1, 0);
        }
        add_detail(p, p->pc, 0);
    }
    if (p->email)
        add_detail(p, p->mail, 0);
    if (p->sms)
        add_detail(p, p->phone, 1);
    snprintf(p->own, sizeof p->own, "%s\n%s\n%s\n%s\n%s\n%s", p->post ? p->line1 : "",
             p->post ? p->line2 : "", p->post ? p->town : "", p->post ? p->pc : "",
             p->email ? p->mail : "", p->sms ? p->phone : "");
}

/* One detail in a random spelling. */
static void spell(const person *p, size_t i, char *out, size_t cap)
{
    const char *d = p->details[i];
    if (p->is_phone[i]) {
        const char *nsn = d + 1; /* "7700 900123" */
        char digits[16];
        size_t n = 0;
        for (const char *c = nsn; *c; c++)
            if (*c >= '0' && *c <= '9')
                digits[n++] = *c;
        digits[n] = '\0';
        switch (rnd(9)) {
        case 0:
            snprintf(out, cap, "+44 %.4s %s", digits, digits + 4);
            return;
        case 1:
            snprintf(out, cap, "0044 %.4s %s", digits, digits + 4);
            return;
        case 2:
            snprintf(out, cap, "+44 (0) %.4s\xC2\xA0%s", digits, digits + 4);
            return;
        case 3:
            snprintf(out, cap, "0%.4s\xE2\x80\x93%.3s\xE2\x80\x93%s", digits, digits + 4,
                     digits + 7);
            return;
        case 4:
            snprintf(out, cap, "0%.4s/%.3s/%s", digits, digits + 4, digits + 7);
            return;
        case 5:
            snprintf(out, cap, "room 12 0%.4s\xE2\x80\x8B%s", digits, digits + 4);
            return;
        case 6: { /* Arabic-Indic digits */
            size_t k = 0;
            k += (size_t)snprintf(out + k, cap - k, "\xD9\xA0");
            for (size_t j = 0; j < n && k + 3 < cap; j++)
                k += (size_t)snprintf(out + k, cap - k, "\xD9%c", (char)(0xA0 + digits[j] - '0'));
            return;
        }
        case 7:
            snprintf(out, cap, "tel:+44%s", digits);
            return;
        default:
            snprintf(out, cap, "0%.4s %s", digits, digits + 4);
            return;
        }
    }
    /* Text details: case, spacing, line breaks, zero-width and no-break spaces. */
    size_t k = 0;
    unsigned how = rnd(5);
    for (const char *c = d; *c && k + 4 < cap; c++) {
        if (*c == ' ' && how == 1) {
            k += (size_t)snprintf(out + k, cap - k, "\n");
        } else if (*c == ' ' && how == 2) {
            k += (size_t)snprintf(out + k, cap - k, "\xC2\xA0");
        } else if (*c == ' ' && how == 3) {
            k += (size_t)snprintf(out + k, cap - k, " \xE2\x80\x8B");
        } else if (how == 4 && *c >= 'a' && *c <= 'z') {
            out[k++] = (char)(*c - 32);
        } else {
            out[k++] = *c;
        }
    }
    out[k] = '\0';
}

static void xml_escape(buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            put(b, "&amp;");
        else if (*s == '<')
            put(b, "&lt;");
        else if (*s == '\'')
            put(b, "&apos;");
        else if (*s == '\n')
            put(b, "&#10;");
        else
            put(b, "%c", *s);
    }
}

/* ---- the independent matcher ------------------------------------------------------------ */

/* Tokens: runs of letters and digits (any script, digits as ASCII, ASCII
 * letters lower-cased); zero-width and bidi format characters are dropped
 * without breaking a token. Digits: every digit of the text in order, a
 * letter ending a run. */
typedef struct toks {
    char s[1 << 16];
    size_t len;
    char digits[1 << 15];
    size_t n_digits;
} toks;

static bool format_char(UChar32 c)
{
    return u_charType(c) == U_FORMAT_CHAR;
}

static void tokenize(const char *text, toks *t)
{
    t->len = 0;
    t->n_digits = 0;
    size_t n = strlen(text);
    bool sep = true;
    for (size_t i = 0; i < n;) {
        UChar32 c;
        U8_NEXT(text, i, (int32_t)n, c);
        if (c < 0 || format_char(c))
            continue;
        bool digit = u_isdigit(c);
        bool letter = !digit && (u_isalpha(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK));
        if (!digit && !letter) {
            sep = true;
            continue;
        }
        if (t->len + 8 >= sizeof t->s || t->n_digits + 4 >= sizeof t->digits)
            break;
        if (sep && t->len)
            t->s[t->len++] = ' ';
        sep = false;
        if (digit) {
            char ch = (char)('0' + u_charDigitValue(c));
            t->s[t->len++] = ch;
            t->digits[t->n_digits++] = ch;
        } else {
            if (t->n_digits && t->digits[t->n_digits - 1] != '|')
                t->digits[t->n_digits++] = '|';
            if (c < 0x80)
                t->s[t->len++] = (char)u_tolower(c);
            else
                U8_APPEND_UNSAFE(t->s, t->len, c);
        }
    }
    t->s[t->len] = '\0';
    t->digits[t->n_digits] = '\0';
}

/* Does the token string of d occur in t on token boundaries? */
static bool has_tokens(const toks *t, const char *d)
{
    static toks dt;
    tokenize(d, &dt);
    if (!dt.len)
        return false;
    for (const char *h = strstr(t->s, dt.s); h; h = strstr(h + 1, dt.s)) {
        size_t at = (size_t)(h - t->s);
        if ((at == 0 || t->s[at - 1] == ' ') && (at + dt.len == t->len || t->s[at + dt.len] == ' '))
            return true;
    }
    return false;
}

static bool has_phone(const toks *t, const char *phone)
{
    char nsn[16];
    size_t n = 0;
    for (const char *c = phone + 1; *c; c++) /* drop the trunk 0 */
        if (*c >= '0' && *c <= '9')
            nsn[n++] = *c;
    nsn[n] = '\0';
    return strstr(t->digits, nsn) != NULL;
}

static bool contains(const char *text, const person *p, size_t i)
{
    static toks t;
    tokenize(text, &t);
    return p->is_phone[i] ? has_phone(&t, p->details[i]) : has_tokens(&t, p->details[i]);
}

/* May reader x see detail i of member y? Only if it is x's own too (one
 * home, one shared number) or part of x's own address, and x is not withheld. */
static bool known_to(const person *x, const person *y, size_t i)
{
    if (x->withheld)
        return false;
    static toks own;
    tokenize(x->own, &own);
    return y->is_phone[i] ? has_phone(&own, y->details[i]) : has_tokens(&own, y->details[i]);
}

/* ---- the run ------------------------------------------------------------------------------ */

typedef struct stats {
    unsigned long families, outputs, letters, refused, clean_letters, planted;
} stats;

static int failures;

static void check_output(unsigned long seed, const person *fam, size_t n, size_t x,
                         const char *what, const char *text)
{
    for (size_t y = 0; y < n; y++) {
        if (y == x && !fam[x].withheld)
            continue;
        for (size_t i = 0; i < fam[y].n_details; i++) {
            if (!contains(text, &fam[y], i))
                continue;
            if (y != x && known_to(&fam[x], &fam[y], i))
                continue;
            fprintf(
                stderr, "LEAK (seed %lu): %s for %s holds detail %zu of %s%s\n--- output ---\n%s\n",
                seed, what, fam[x].id, i, fam[y].id, fam[y].withheld ? " (withheld)" : "", text);
            failures++;
            return;
        }
    }
}

static const char *const templates[] = {"notification", "invitation", "update", "outcome"};

static int run_family(unsigned long seed, kl_context *ctx, kl_template *const *tpls, size_t n_tpls,
                      kl_catalog_set *cats, stats *st)
{
    rng_state = seed * 2654435761ULL + 1;
    person fam[MAX_MEMBERS];
    size_t n = 2 + rnd(MAX_MEMBERS - 1);
    for (size_t k = 0; k < n; k++)
        make_person(&fam[k], (int)k, fam);
    bool planted = rnd(2) == 0;
    /* Where a planted detail goes, and whose it is. */
    char spelled[256] = "";
    unsigned where = 99;
    size_t victim = 0, carrier = 0;
    if (planted) {
        victim = rnd((unsigned)n);
        if (fam[victim].n_details) {
            spell(&fam[victim], rnd((unsigned)fam[victim].n_details), spelled, sizeof spelled);
            where = rnd(9);
            carrier = rnd((unsigned)n);
            st->planted++;
        }
    }
    buf x = {0};
    put(&x, "<review xmlns='urn:kinletter:review:1' id='PT-%lu' type='lcspr'>", seed);
    put(&x, "<partnership><name>Northshire Partnership");
    if (where == 0) {
        put(&x, " ");
        xml_escape(&x, spelled);
    }
    put(&x,
        "</name><address><line>Floor 3, County Hall</line><town>Northtown</town>"
        "<postcode>NT1 4AB</postcode></address><phone>01632 960123</phone>"
        "<email>reviews@northshire-scp.example</email></partnership>"
        "<subject given='Amelia' family='Kowal' gender='female' age='4' outcome='%s'/>"
        "<dates decided='2026-11-20' letter='2026-11-27' expected-end='2027-05-28'"
        " period-from='2025-01-01' period-to='2026-10-31'/>",
        rnd(2) ? "died" : "seriously-harmed");
    put(&x, "<reviewer name='Dr Helen Price' role='independent reviewer");
    if (where == 1) {
        put(&x, " ");
        xml_escape(&x, spelled);
    }
    put(&x, "'/><contact name='Sam Okafor' role='family contact");
    if (where == 2) {
        put(&x, " ");
        xml_escape(&x, spelled);
    }
    put(&x, "' phone='01632 960456' email='sam.okafor@northshire-scp.example' hours='weekdays");
    if (where == 3) {
        put(&x, ", or ");
        xml_escape(&x, spelled);
    }
    put(&x, "'/><agencies><agency>Northtown Hospital</agency><agency>Police ");
    if (where == 4)
        xml_escape(&x, spelled);
    put(&x, "</agency></agencies><support><service name='Bereavement Service ");
    if (where == 5)
        xml_escape(&x, spelled);
    put(&x, "' phone='01632 960789'/></support><publication planned='true'/><family>");
    for (size_t k = 0; k < n; k++) {
        person *p = &fam[k];
        put(&x, "<member id='%s' relationship='aunt' gender='female'", p->id);
        if (p->withheld == 2)
            put(&x, " contact='none' reason='Police advice%s",
                where == 8 && k == carrier ? " " : "");
        if (p->withheld == 2 && where == 8 && k == carrier)
            xml_escape(&x, spelled);
        if (p->withheld == 2)
            put(&x, "'");
        put(&x, "><name given='%s", p->given);
        if (where == 6 && k == carrier) {
            put(&x, " ");
            xml_escape(&x, spelled);
        }
        put(&x, "' family='%s'/>", p->family);
        if (p->withheld != 2)
            put(&x, "<language locale='%s'/>", p->locale);
        if (p->post) {
            put(&x, "<contact channel='post'><address><line>%s</line>", p->line1);
            if (p->line2[0])
                put(&x, "<line>%s</line>", p->line2);
            put(&x, "<town>%s</town><postcode>%s</postcode></address></contact>", p->town, p->pc);
        }
        if (p->withheld == 1) {
            put(&x, "<contact channel='via-professional' professional='her social worker");
            if (where == 7 && k == carrier) {
                put(&x, " at ");
                xml_escape(&x, spelled);
            }
            put(&x, "'/>");
        }
        if (p->email)
            put(&x, "<contact channel='email' email='%s'/>", p->mail);
        if (p->sms)
            put(&x, "<contact channel='sms' phone='%s'/>", p->phone);
        put(&x, "</member>");
    }
    put(&x, "</family></review>");

    kl_review *rv = NULL;
    int rc = kl_review_load_buffer(ctx, x.s, x.len, "property.xml", NULL, NULL, &rv);
    if (rc) {
        fprintf(stderr, "seed %lu: the review did not load (%d): %s\n%s\n", seed, rc,
                kl_context_last_error(ctx) ? kl_context_last_error(ctx)->message : "?", x.s);
        free(x.s);
        failures++;
        return -1;
    }
    free(x.s);
    st->families++;
    for (size_t k = 0; k < n; k++) {
        const person *p = &fam[k];
        if (p->withheld == 2)
            continue;
        const kl_member *m = kl_review_find_member(rv, p->id);
        kl_channel chans[4];
        size_t nc = 0;
        if (p->post)
            chans[nc++] = KL_CHANNEL_POST;
        if (p->withheld == 1)
            chans[nc++] = KL_CHANNEL_VIA_PROFESSIONAL;
        if (p->email)
            chans[nc++] = KL_CHANNEL_EMAIL;
        if (p->sms)
            chans[nc++] = KL_CHANNEL_SMS;
        for (size_t t = 0; t < n_tpls; t++) {
            /* The hostile template (last) is for English readers: it tries to
             * print another member's address through a message every catalog
             * has (and finds nothing: its view holds only this member). */
            if (t == n_tpls - 1 && strcmp(p->locale, "en-GB") != 0)
                continue;
            for (size_t c = 0; c < nc; c++) {
                kl_letter *l = NULL;
                kl_context_clear_error(ctx);
                rc = kl_letter_compose(ctx, tpls[t], cats, rv, m, chans[c], NULL, &l);
                st->letters++;
                if (rc) {
                    const kl_diagnostic *e = kl_context_last_error(ctx);
                    bool why_ok = rc == KL_EDATA && e &&
                                  (strstr(e->message, " holds ") ||
                                   (planted && strstr(e->message, "data has errors")));
                    if (!why_ok) {
                        fprintf(stderr, "seed %lu: %s %s channel %d failed (%d): %s\n", seed, p->id,
                                t < 4 ? templates[t] : "hostile", (int)chans[c], rc,
                                kl_context_last_error(ctx) ? kl_context_last_error(ctx)->message
                                                           : "?");
                        failures++;
                    } else if (!planted && t < n_tpls - 1) {
                        fprintf(stderr, "seed %lu: %s %s refused with nothing planted: %s\n", seed,
                                p->id, templates[t], kl_context_last_error(ctx)->message);
                        failures++;
                    }
                    st->refused++;
                    continue;
                }
                if (!planted && t < n_tpls - 1)
                    st->clean_letters++;
                char *tree = kl_doc__text(kl_letter__doc(l)->root);
                check_output(seed, fam, n, k, "the document tree", tree ? tree : "");
                free(tree);
                st->outputs++;
                char *out = NULL, *subj = NULL;
                if (chans[c] == KL_CHANNEL_SMS) {
                    if (kl_letter_render_sms(ctx, l, &out, NULL) == 0)
                        check_output(seed, fam, n, k, "the text message", out);
                } else if (chans[c] == KL_CHANNEL_EMAIL) {
                    if (kl_letter_render_email(ctx, l, &subj, &out) == 0) {
                        check_output(seed, fam, n, k, "the email subject", subj);
                        check_output(seed, fam, n, k, "the email body", out);
                    }
                } else if (kl_letter_render_text(ctx, l, &out) == 0) {
                    check_output(seed, fam, n, k, "the text", out);
                }
                st->outputs++;
                kl_free(out);
                kl_free(subj);
                kl_letter_free(l);
            }
        }
    }
    kl_review_free(rv);
    return 0;
}

static char hostile_xml[2048];

int main(void)
{
    const char *nf = getenv("KL_PROPERTY_FAMILIES");
    const char *sd = getenv("KL_PROPERTY_SEED");
    unsigned long families = nf ? strtoul(nf, NULL, 10) : 2000;
    unsigned long seed0 = sd ? strtoul(sd, NULL, 10) : 1;
    kl_context *ctx = NULL;
    kl_catalog_set *cats = NULL;
    kl_template *tpls[5] = {NULL};
    if (kl_context_new(&ctx) || kl_catalog_set_open(ctx, NULL, &cats)) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    for (size_t t = 0; t < 4; t++)
        if (kl_template_load_name(ctx, templates[t], &tpls[t])) {
            fprintf(stderr, "template %s: %s\n", templates[t], kl_context_last_error(ctx)->message);
            return 1;
        }
    stats st = {0};
    for (unsigned long f = 0; f < families; f++) {
        /* The hostile template prints a random other member's first line. */
        unsigned long seed = seed0 + f;
        snprintf(
            hostile_xml, sizeof hostile_xml,
            "<letter xmlns='urn:kinletter:template:1' name='hostile' "
            "title='notification.title'><letterhead/><address/>"
            "<heading level='1' msg='notification.title'/><list kind='bullet'>"
            "<item msg='common.agency'><arg name='agency' select=\"concat("
            "string(/r:review/r:family/r:member[%lu]/r:contact/r:address/r:line[1]), ' ', "
            "string(/r:review/r:family/r:member[%lu]/r:contact/r:address/r:postcode))\"/>"
            "</item></list><sms msg='notification.sms'><arg name='otherChannel' select=\"'x'\"/>"
            "<arg name='memberGiven' "
            "select=\"string(/r:review/r:family/r:member[%lu]/r:contact/@phone)\"/>"
            "</sms></letter>",
            seed % 3 + 1, seed % 3 + 1, seed % 3 + 1);
        if (kl_template_load_buffer(ctx, hostile_xml, strlen(hostile_xml), "hostile.xml",
                                    &tpls[4])) {
            fprintf(stderr, "hostile template: %s\n", kl_context_last_error(ctx)->message);
            return 1;
        }
        run_family(seed, ctx, tpls, 5, cats, &st);
        kl_template_free(tpls[4]);
        tpls[4] = NULL;
        if (failures > 20)
            break;
    }
    printf("families %lu (with a planted detail: %lu), letters composed %lu, refused %lu, "
           "outputs searched %lu, letters of clean families written %lu\n",
           st.families, st.planted, st.letters, st.refused, st.outputs, st.clean_letters);
    if (!st.refused || !st.clean_letters) {
        fprintf(stderr, "the property was not exercised\n");
        failures++;
    }
    for (size_t t = 0; t < 4; t++)
        kl_template_free(tpls[t]);
    kl_catalog_set_free(cats);
    kl_context_free(ctx);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
