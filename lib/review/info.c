/* SPDX-License-Identifier: MIT */
/* review/info.c: the review-wide details: partnership, subject, dates, contact and hours, agencies,
 * support. */
#include "review/review_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const types[] = {"lcspr", "scr", "cpr", "sar"};

/* ---- the review itself ---------------------------------------------------------- */
static void check_date_order(kl_loader *L, xmlNodePtr dn)
{
    kl_review_info *I = &L->rv->info;
    if (L->file_failed)
        return;
    struct {
        kl_date a, b;
        const char *an, *bn;
        bool error;
    } order[] = {
        {I->period_from, I->period_to, "period-from", "period-to", true},
        {I->period_to, I->decided, "period-to", "decided", false},
        {I->decided, I->letter, "decided", "letter", true},
        {I->letter, I->expected_end, "letter", "expected-end", true},
        {I->decided, I->expected_end, "decided", "expected-end", true},
    };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!I->letter_date_given && (i == 2 || i == 3))
            continue;
        if (kl_review__date_cmp(order[i].a, order[i].b) <= 0)
            continue;
        if (order[i].error)
            kl_review__problem(L, dn, order[i].bn, "check both dates",
                               "dates@%s %04d-%02d-%02d is before dates@%s %04d-%02d-%02d",
                               order[i].bn, order[i].b.year, order[i].b.month, order[i].b.day,
                               order[i].an, order[i].a.year, order[i].a.month, order[i].a.day);
        else
            kl_review__warning(
                L, dn, order[i].bn, "check both dates",
                "dates@%s is before dates@%s: the period under review ends after the "
                "review was decided",
                order[i].bn, order[i].an);
    }
    kl_date today;
    kl_review__today(&today);
    if (I->letter_date_given && kl_review__date_cmp(I->letter, today) > 0)
        kl_review__warning(L, dn, "letter", "letters will carry this date; check it is intended",
                           "dates@letter %04d-%02d-%02d is in the future", I->letter.year,
                           I->letter.month, I->letter.day);
}

/* <contact><hours days="mon-thu" from="09:00" to="16:00"/>...</contact>. */
static void read_hours(kl_loader *L, xmlNodePtr c)
{
    kl_review_info *I = &L->rv->info;
    size_t n = 0;
    for (xmlNodePtr h = kl_review__child(c, "hours"); h; h = kl_review__next_el(h, "hours"))
        n++;
    if (!n)
        return;
    kl_hours *hours = kl_review__alloc(L->rv, n * sizeof *hours);
    if (!hours) {
        L->oom = true;
        return;
    }
    memset(hours, 0, n * sizeof *hours);
    n = 0;
    unsigned used = 0; /* days already given a time */
    for (xmlNodePtr h = kl_review__child(c, "hours"); h; h = kl_review__next_el(h, "hours")) {
        kl_hours *k = &hours[n];
        const char *days = kl_review__attr(L, h, "days"), *from = kl_review__attr(L, h, "from"),
                   *to = kl_review__attr(L, h, "to");
        bool ok = true;
        const char *why = days ? kl_review__days(days, k) : NULL;
        if (why) {
            kl_review__problem(
                L, h, "days",
                "write the days as mon..sun, a range such as mon-fri or a list such as "
                "mon,wed",
                "hours@days '%s': %s", days, why);
            ok = false;
        }
        if (from && !kl_review__time(from, &k->from)) {
            kl_review__problem(L, h, "from", "write the time in 24-hour form, such as 09:00",
                               "hours@from '%s' is not a time", from);
            ok = false;
        }
        if (to && !kl_review__time(to, &k->to)) {
            kl_review__problem(
                L, h, "to",
                "write the time in 24-hour form, such as 16:00 (23:59 for the end of the day)",
                "hours@to '%s' is not a time", to);
            ok = false;
        }
        if (!days || !from || !to)
            ok = false; /* reported by the attribute check */
        if (ok && k->from >= k->to) {
            kl_review__problem(L, h, "to",
                               "give the time calls start in from and the time they end in to",
                               "hours@to '%s' is not after hours@from '%s'", to, from);
            ok = false;
        }
        if (ok) {
            for (size_t i = 0; i < k->n_spans; i++)
                for (int d = k->spans[i].first; d <= k->spans[i].last; d++) {
                    if (used & (1u << d) && ok) {
                        kl_review__problem(
                            L, h, "days", "give each day once, in one <hours> element",
                            "hours@days '%s': a day is already given in an earlier <hours>", days);
                        ok = false;
                    }
                    used |= 1u << d;
                }
        }
        if (ok)
            n++;
    }
    I->hours = hours;
    I->n_hours = n;
    if (n && I->contact_hours)
        kl_review__warning(
            L, c, "hours",
            "remove contact@hours: the <hours> elements say the same, in "
            "every language",
            "contact has both the free-text hours attribute and <hours> elements: letters "
            "use the <hours> elements");
}

/* Why the letters could not embed the logo file, or NULL (lib/review/png.c);
 * NULL with *oom set when the check could not allocate. */
#define KL_LOGO_MAX_BYTES (8L << 20)
static const char *png_file_problem(const char *path, bool *oom)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return "cannot be read";
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return "cannot be read";
    }
    if (st.st_size > KL_LOGO_MAX_BYTES) {
        fclose(f);
        return "is larger than 8 MB (save it smaller)";
    }
    size_t size = (size_t)st.st_size;
    unsigned char *b = kl_core__malloc(size ? size : 1);
    if (!b) {
        fclose(f);
        *oom = true;
        return NULL;
    }
    size_t n = fread(b, 1, size, f);
    bool err = ferror(f) || n != size;
    fclose(f);
    const char *why = err ? "cannot be read" : kl_png_problem(b, n);
    kl_free(b);
    return why;
}

/* A `src` (family list, logo) names a file in the review file's directory or
 * below it: not an absolute path, no ".." step, and no symbolic link that
 * leads out. Returns the joined path (allocated), or NULL with *why set
 * (and *why NULL when out of memory). Nothing of the file is ever quoted. */
char *kl_review__inside_base(kl_loader *L, const char *src, const char **why)
{
    *why = NULL;
    if (!src || L->oom) { /* required: only running out of memory loses it (norm gives "") */
        L->oom = true;
        return NULL;
    }
    if (!*src) {
        *why = "is empty";
        return NULL;
    }
    if (src[0] == '/') {
        *why = "is an absolute path";
        return NULL;
    }
    for (const char *p = src; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            *why = "steps out of the review file's directory ('..')";
            return NULL;
        }
        p += n;
        while (*p == '/')
            p++;
    }
    char *path = kl_core__path_join(L->base_dir, src);
    if (!path)
        return NULL;
    /* A link may still lead elsewhere: compare the real paths. */
    char *base = realpath(L->base_dir, NULL), *real = realpath(path, NULL);
    if (base && real) {
        size_t bl = strlen(base);
        bool in = strncmp(real, base, bl) == 0 && (real[bl] == '/' || (bl == 1 && base[0] == '/'));
        if (!in) {
            *why = "leads out of the review file's directory (a symbolic link)";
            kl_free(path);
            path = NULL;
        }
    }
    free(base);
    free(real);
    return path;
}

/* <logo src alt>: a PNG file inside the review file's directory. */
static void read_logo(kl_loader *L, xmlNodePtr logo)
{
    kl_review_info *I = &L->rv->info;
    const char *src = kl_review__attr(L, logo, "src");
    const char *why = NULL, *bad = NULL;
    char *path = kl_review__inside_base(L, src, &why);
    if (!path && why) {
        kl_review__problem(L, logo, "src",
                           "put the logo in the review file's directory (or below it) and name it "
                           "relative to the review file",
                           "logo@src %s", why);
    } else if (!path) {
        L->oom = true;
    } else if (access(path, R_OK) != 0) {
        kl_review__warning(L, logo, "src", "put the logo next to the review file, or fix the name",
                           "logo '%s' not found: letters will have no logo", src);
    } else if ((bad = png_file_problem(path, &L->oom)) != NULL) {
        /* Found now, not when every member's letter fails to draw it (or libpng
         * stops the process on a damaged image). */
        kl_review__problem(L, logo, "src",
                           "save the logo again as a PNG image (the letters embed PNG only)",
                           "logo '%s' %s", src, bad);
    } else if (!L->oom) {
        I->logo_path = kl_review__strdup(L->rv, path);
        I->logo_alt = kl_review__attr(L, logo, "alt");
        if (!I->logo_path)
            L->oom = true;
    }
    kl_free(path);
}

/* <partnership>: name, address, phone, email, web and logo. */
static void read_partnership(kl_loader *L, xmlNodePtr root)
{
    kl_review_info *I = &L->rv->info;
    xmlNodePtr p = kl_review__child(root, "partnership");
    I->partnership_name = kl_review__text_of(L, kl_review__child(p, "name"));
    xmlNodePtr pa = kl_review__child(p, "address");
    kl_review__build_address(L, pa, &I->partnership_address, false, 0);
    static const char *const needed[] = {"name", "phone", "email"};
    for (size_t i = 0; i < 3; i++) {
        xmlNodePtr e = kl_review__child(p, needed[i]);
        if (e && !*kl_review__text_of(L, e))
            kl_review__problem(L, e, NULL, KL_REVIEW_FORMAT_DOC, "the partnership's <%s> is empty",
                               needed[i]);
    }
    I->partnership_phone = kl_review__text_of(L, kl_review__child(p, "phone"));
    I->partnership_email = kl_review__text_of(L, kl_review__child(p, "email"));
    if (!kl_review__email_ok(I->partnership_email))
        kl_review__problem(L, kl_review__child(p, "email"), NULL,
                           "give the partnership's email address",
                           "the partnership's email is not an email address");
    I->partnership_web = kl_review__text_of(L, kl_review__child(p, "web"));
    xmlNodePtr logo = kl_review__child(p, "logo");
    if (logo)
        read_logo(L, logo);
}

/* <subject given family gender age outcome>. */
static void read_subject(kl_loader *L, xmlNodePtr root)
{
    kl_review_info *I = &L->rv->info;
    xmlNodePtr s = kl_review__child(root, "subject");
    I->subject_given = kl_review__attr(L, s, "given");
    I->subject_family = kl_review__attr(L, s, "family");
    I->subject_gender =
        (kl_gender)kl_review__enum_attr(L, s, "gender", kl_review__genders, 3, 2, "gender");
    I->subject_died =
        kl_review__attr(L, s, "outcome") && strcmp(kl_review__attr(L, s, "outcome"), "died") == 0;
    I->subject_age = -1;
    const char *age = kl_review__attr(L, s, "age");
    long v;
    if (age && !kl_review__int_in(age, 0, 130, &v))
        kl_review__problem(L, s, "age", "give the age in whole years (0 for a baby)",
                           "subject@age is not an age");
    else if (age)
        I->subject_age = (int)v;
}

/* <dates>, and their order. */
static void read_dates(kl_loader *L, xmlNodePtr root)
{
    kl_review_info *I = &L->rv->info;
    xmlNodePtr dn = kl_review__child(root, "dates");
    I->decided = kl_review__date_attr(L, dn, "decided", NULL);
    bool given = false;
    I->letter = kl_review__date_attr(L, dn, "letter", &given);
    I->letter_date_given = given;
    I->expected_end = kl_review__date_attr(L, dn, "expected-end", NULL);
    I->period_from = kl_review__date_attr(L, dn, "period-from", NULL);
    I->period_to = kl_review__date_attr(L, dn, "period-to", NULL);
    if (!given) {
        kl_review__today(&I->letter);
        kl_review__warning(L, dn, NULL, "add dates@letter to fix the date letters carry",
                           "no dates@letter: letters are dated today");
    }
    check_date_order(L, dn);
}

/* <reviewer> and the family's <contact> with its hours. */
static void read_people(kl_loader *L, xmlNodePtr root)
{
    kl_review_info *I = &L->rv->info;
    xmlNodePtr r = kl_review__child(root, "reviewer");
    I->reviewer_name = kl_review__attr(L, r, "name");
    I->reviewer_role = kl_review__attr(L, r, "role");

    xmlNodePtr c = kl_review__child(root, "contact");
    I->contact_name = kl_review__attr(L, c, "name");
    I->contact_role = kl_review__attr(L, c, "role");
    I->contact_phone = kl_review__attr(L, c, "phone");
    I->contact_mobile = kl_review__attr(L, c, "mobile");
    I->contact_email = kl_review__attr(L, c, "email");
    I->contact_hours = kl_review__attr(L, c, "hours");
    read_hours(L, c);
    if (!kl_review__email_ok(I->contact_email))
        kl_review__problem(L, c, "email", "give the family contact's email address",
                           "contact@email is not an email address");
    char mob[16];
    if (I->contact_mobile && !kl_review__mobile(I->contact_mobile, mob))
        kl_review__problem(L, c, "mobile", "give a UK mobile number such as 07700 900123",
                           "contact@mobile is not a UK mobile number");
}

/* <agencies>: false when out of memory. */
static bool read_agencies(kl_loader *L, xmlNodePtr root)
{
    kl_review_info *I = &L->rv->info;
    xmlNodePtr ag = kl_review__child(root, "agencies");
    size_t n = 0;
    for (xmlNodePtr a = kl_review__child(ag, "agency"); a; a = kl_review__next_el(a, "agency"))
        n++;
    const char **agencies = kl_review__alloc(L->rv, (n ? n : 1) * sizeof *agencies);
    if (!agencies) {
        L->oom = true;
        return false;
    }
    n = 0;
    for (xmlNodePtr a = kl_review__child(ag, "agency"); a; a = kl_review__next_el(a, "agency")) {
        agencies[n] = kl_review__text_of(L, a);
        if (!*agencies[n])
            kl_review__problem(L, a, NULL, "name the agency, or remove the element",
                               "an <agency> is empty");
        n++;
    }
    I->agencies = agencies;
    I->n_agencies = n;
    return true;
}

/* <support>: false when out of memory. */
static bool read_services(kl_loader *L, xmlNodePtr root)
{
    kl_review_info *I = &L->rv->info;
    xmlNodePtr sp = kl_review__child(root, "support");
    size_t n = 0;
    for (xmlNodePtr a = kl_review__child(sp, "service"); a; a = kl_review__next_el(a, "service"))
        n++;
    kl_service *services = kl_review__alloc(L->rv, (n ? n : 1) * sizeof *services);
    if (!services) {
        L->oom = true;
        return false;
    }
    n = 0;
    for (xmlNodePtr a = kl_review__child(sp, "service"); a; a = kl_review__next_el(a, "service")) {
        services[n].name = kl_review__attr(L, a, "name");
        services[n].phone = kl_review__attr(L, a, "phone");
        services[n].web = kl_review__attr(L, a, "web");
        n++;
    }
    I->services = services;
    I->n_services = n;
    return true;
}

/* <publication planned>, <follow-up reply-wait-days> and <protect email>. */
static void read_settings(kl_loader *L, xmlNodePtr root)
{
    kl_review_info *I = &L->rv->info;
    long v;
    xmlNodePtr pub = kl_review__child(root, "publication");
    static const char *const tf[] = {"false", "true"};
    const char *planned = kl_review__attr(L, pub, "planned");
    if (planned)
        kl_review__enum_attr(L, pub, "planned", tf, 2, 0, "publication@planned value");
    I->publication = !planned ? -1 : strcmp(planned, "true") == 0;

    /* The correspondence record's reply wait (docs/RECORD.md). */
    xmlNodePtr fu = kl_review__child(root, "follow-up");
    const char *wait = kl_review__attr(L, fu, "reply-wait-days");
    if (wait && !kl_review__int_in(wait, 1, 365, &v))
        kl_review__problem(L, fu, "reply-wait-days",
                           "give a whole number of days from 1 to 365 (default 14)",
                           "follow-up@reply-wait-days is not a number of days");
    else if (wait)
        I->reply_wait_days = (int)v;

    /* <protect email="true"/>: email members' PDFs are encrypted (generate --protect). */
    xmlNodePtr pr = kl_review__child(root, "protect");
    const char *pe = kl_review__attr(L, pr, "email");
    if (pe)
        kl_review__enum_attr(L, pr, "email", tf, 2, 0, "protect@email value");
    I->protect_email = pe && strcmp(pe, "true") == 0;
}

void kl_review__read_info(kl_loader *L, xmlNodePtr root)
{
    kl_review_info *I = &L->rv->info;
    I->source = L->source;
    I->id = kl_review__attr(L, root, "id");
    I->type = (kl_review_type)kl_review__enum_attr(L, root, "type", types, KL_COUNT(types), 0,
                                                   "review type");
    read_partnership(L, root);
    read_subject(L, root);
    read_dates(L, root);
    read_people(L, root);
    if (read_agencies(L, root) && read_services(L, root))
        read_settings(L, root);
}
