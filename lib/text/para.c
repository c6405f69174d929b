/* SPDX-License-Identifier: MIT */
/* text/para.c: one paragraph through bidi, script/font itemisation, shaping and line breaking. */
#include "text/fontset.h"

#include <assert.h>
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubidi.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#define MAX_CANDIDATES 16

bool kl_text__lang_rtl(const char *lang)
{
    static const char *const rtl[] = {"ar", "fa", "ur", "he", "yi", "ps", "sd", "ug", "dv", "ckb"};
    if (!lang)
        return false;
    for (size_t i = 0; i < sizeof rtl / sizeof *rtl; i++) {
        size_t n = strlen(rtl[i]);
        if (!strncasecmp(lang, rtl[i], n) && (lang[n] == '\0' || lang[n] == '-' || lang[n] == '_'))
            return true;
    }
    return false;
}

/* ---- the result ---------------------------------------------------------- */

/* A paragraph with its reference count: one for the cache that made it, one
 * for each layout that holds it (kl_text__para_hold), which may be on
 * another thread than the cache's. */
typedef struct held_para {
    atomic_uint refs;
    kl_tpara p;
} held_para;

static held_para *held_of(const kl_tpara *p)
{
    return (held_para *)(void *)((char *)(uintptr_t)p - offsetof(held_para, p));
}

static kl_tpara *tpara_new(void)
{
    held_para *h = kl_core__calloc(1, sizeof *h);
    if (!h)
        return NULL;
    atomic_init(&h->refs, 1);
    return &h->p;
}

static void tpara_free(kl_tpara *p)
{
    if (!p || atomic_fetch_sub_explicit(&held_of(p)->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (uint32_t i = 0; i < p->nlines; i++) {
        for (uint32_t r = 0; r < p->lines[i].nruns; r++) {
            kl_free(p->lines[i].runs[r].glyphs);
            kl_free(p->lines[i].runs[r].u16);
        }
        kl_free(p->lines[i].runs);
    }
    kl_free(p->lines);
    kl_free(held_of(p));
}

void kl_text__para_hold(const kl_tpara *p)
{
    atomic_fetch_add_explicit(&held_of(p)->refs, 1, memory_order_relaxed);
}

void kl_text__para_release(const kl_tpara *p)
{
    if (p)
        tpara_free((kl_tpara *)(uintptr_t)p);
}

/* ---- the cache ----------------------------------------------------------- */

/* The cache keeps what a batch's letters share (the template's paragraphs,
 * met again in every letter) and forgets what one letter alone had (its
 * member's name and address): between documents, once it holds more than
 * its limit, it drops the paragraphs nobody asked for again since the last
 * time, and the limit becomes twice what is left (never below
 * CACHE_MIN_BYTES or above CACHE_LIMIT paragraphs). Forgetting everything
 * at 20,000 paragraphs, it grew with the family: about 2.7 KB a member for
 * each renderer, 27 MB a cache at 10,000 members. CACHE_MIN_BYTES is 512 KB:
 * a letter's shared paragraphs stay (they are asked for again every letter),
 * and at 2 MB a worker's cache held up to 2 MB of members' own paragraphs
 * (10,000 members, two jobs: peak RSS 63.2 -> 59.6 MB at 512 KB; the sweeps
 * cost 0.6 M instructions in a 200-member run, 0.02%). */
#define CACHE_BUCKETS   4096
#define CACHE_LIMIT     20000
#define CACHE_MIN_BYTES ((size_t)512 << 10)

typedef struct centry {
    struct centry *next;
    uint64_t hash;
    char *key;
    size_t keylen;
    kl_tpara *para;
    size_t bytes; /* about what the entry and its paragraph hold */
    bool hit;     /* asked for since the last sweep */
} centry;

struct kl_text_cache {
    centry *buckets[CACHE_BUCKETS];
    size_t count;
    size_t bytes;
    size_t limit; /* sweep above this many bytes (0: CACHE_MIN_BYTES) */
};

int kl_text__cache_new(kl_text_cache **out)
{
    *out = kl_core__calloc(1, sizeof **out);
    return *out ? 0 : KL_ENOMEM;
}

static void cache_clear(kl_text_cache *c)
{
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        centry *e = c->buckets[i];
        while (e) {
            centry *next = e->next;
            tpara_free(e->para);
            kl_free(e->key);
            kl_free(e);
            e = next;
        }
        c->buckets[i] = NULL;
    }
    c->count = 0;
    c->bytes = 0;
}

void kl_text__cache_free(kl_text_cache *c)
{
    if (!c)
        return;
    cache_clear(c);
    kl_free(c);
}

/* Drop the entries not asked for since the last sweep; the rest must be
 * asked for again before the next. */
static void cache_sweep(kl_text_cache *c)
{
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        for (centry **link = &c->buckets[i]; *link;) {
            centry *e = *link;
            if (e->hit) {
                e->hit = false;
                link = &e->next;
                continue;
            }
            *link = e->next;
            c->count--;
            c->bytes -= e->bytes;
            tpara_free(e->para);
            kl_free(e->key);
            kl_free(e);
        }
    }
}

void kl_text__cache_trim(kl_text_cache *c)
{
    size_t limit = c && c->limit ? c->limit : CACHE_MIN_BYTES;
    if (!c || (c->count <= CACHE_LIMIT && c->bytes <= limit))
        return;
    cache_sweep(c);
    if (c->count > CACHE_LIMIT / 2) /* every one of them in use: start again */
        cache_clear(c);
    c->limit = c->bytes > CACHE_MIN_BYTES / 2 ? 2 * c->bytes : CACHE_MIN_BYTES;
}

size_t kl_text__cache_bytes(const kl_text_cache *c)
{
    return c ? c->bytes : 0;
}

/* About the bytes a paragraph holds (its allocations, not malloc's overhead). */
static size_t tpara_bytes(const kl_tpara *p)
{
    size_t n = sizeof *p + p->nlines * sizeof *p->lines;
    for (uint32_t i = 0; i < p->nlines; i++) {
        n += p->lines[i].nruns * sizeof *p->lines[i].runs;
        for (uint32_t r = 0; r < p->lines[i].nruns; r++)
            n += p->lines[i].runs[r].nglyphs * sizeof(kl_glyph) +
                 p->lines[i].runs[r].nu16 * sizeof(uint16_t);
    }
    return n;
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The longest paragraph laid out, in bytes of UTF-8 (an input error beyond:
 * every step below is O(n) or O(n log n) in its length; see tests/bench). */
#define KL_TEXT_MAX_PARA 1000000

/* ---- shaping ------------------------------------------------------------- */

typedef struct srun {
    int32_t start, end; /* UTF-16 range of the paragraph */
    const kl_font *font;
    UScriptCode script;
    bool rtl;
    hb_glyph_info_t *info;
    hb_glyph_position_t *pos;
    unsigned n;
    /* Per glyph, from the run's clusters (made once, so a line takes time
     * in its own length, not the run's): where its cluster ends (the next
     * higher cluster value, or INT32_MAX) and how many glyphs share it. */
    int32_t *next;
    unsigned *same;
    int order; /* clusters by glyph: 1 ascending, -1 descending, 0 neither */
} srun;

typedef struct work {
    kl_context *ctx;
    const kl_fontset *fs;
    const kl_tstyle *st;
    const char *utf8;
    UChar *text; /* as shaped: controls turned into spaces */
    UChar *orig; /* as given (for the line breaker) */
    int32_t len;
    UBiDiLevel *levels;
    UScriptCode *script;
    const kl_font **font;
    float *adv; /* advance per UTF-16 unit (clusters count on their first unit) */
    double *wsum;
    srun *runs;
    size_t nruns, cap_runs;
    size_t cap_lines;
    const kl_tline *line; /* the line emit_line is filling */
    size_t cap_line_runs; /* the capacity of its runs */
    UBiDi *bidi;
    float scale;
} work;

static bool is_space(UChar c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000 || c == 0xA0 ||
           c == 0x2028 || c == 0x2029;
}

/* The character is named by its code point only: the text around it may be
 * a family member's name or address, which no message repeats. */
static int missing_char(work *w, UChar32 cp)
{
    return kl_core__error(w->ctx, KL_EDATA, KL_NOWHERE,
                          "install a font with this character and name it in the font list, or "
                          "remove the character",
                          "no font has the character U+%04X", (unsigned)cp);
}

static bool has_glyph(const kl_font *f, UChar32 cp)
{
    hb_codepoint_t g;
    return hb_font_get_nominal_glyph(f->font, (hb_codepoint_t)cp, &g);
}

/* Script per unit: Common and Inherited characters take the script of the
 * text around them, so "21 " inside Arabic stays with the Arabic run. */
static void resolve_scripts(work *w)
{
    UScriptCode last = USCRIPT_INVALID_CODE;
    for (int32_t i = 0; i < w->len;) {
        UChar32 cp;
        int32_t j = i;
        U16_NEXT(w->text, j, w->len, cp);
        UErrorCode e = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript(cp, &e);
        if (U_FAILURE(e) || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED)
            sc = USCRIPT_INVALID_CODE;
        else
            last = sc;
        for (int32_t k = i; k < j; k++)
            w->script[k] = sc;
        i = j;
    }
    (void)last;
    /* Common characters join the text before them when at the same bidi
     * level, else the text after them: "21" between Arabic and "Victoria"
     * belongs to the Latin run, as the bidi algorithm places it there. */
    for (int32_t i = 1; i < w->len; i++)
        if (w->script[i] == USCRIPT_INVALID_CODE && w->levels[i] == w->levels[i - 1])
            w->script[i] = w->script[i - 1];
    for (int32_t i = w->len - 1; i-- > 0;)
        if (w->script[i] == USCRIPT_INVALID_CODE)
            w->script[i] = w->script[i + 1];
    for (int32_t i = 0; i < w->len; i++)
        if (w->script[i] == USCRIPT_INVALID_CODE)
            w->script[i] = i > 0 ? w->script[i - 1] : USCRIPT_LATIN;
}

static int choose_fonts(work *w)
{
    const kl_font *cand[MAX_CANDIDATES];
    size_t ncand = 0;
    UScriptCode cand_sc = USCRIPT_INVALID_CODE;
    const kl_font *prev = NULL;
    UScriptCode prev_sc = USCRIPT_INVALID_CODE;
    for (int32_t i = 0; i < w->len;) {
        UChar32 cp;
        int32_t j = i;
        U16_NEXT(w->text, j, w->len, cp);
        UErrorCode e = U_ZERO_ERROR;
        UScriptCode raw = uscript_getScript(cp, &e);
        const kl_font *f = NULL;
        bool ignorable = u_hasBinaryProperty(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
        if (prev && (raw == USCRIPT_INHERITED || ignorable))
            f = prev; /* marks and joiners stay with their base */
        else if (prev && raw == USCRIPT_COMMON && w->script[i] == prev_sc && has_glyph(prev, cp))
            f = prev;
        if (!f) {
            if (w->script[i] != cand_sc) {
                cand_sc = w->script[i];
                ncand = kl_text__candidates(w->fs, w->st->lang, uscript_getShortName(cand_sc),
                                            w->st->bold, cand, MAX_CANDIDATES);
            }
            for (size_t k = 0; k < ncand && !f; k++)
                if (has_glyph(cand[k], cp))
                    f = cand[k];
        }
        if (!f && ignorable)
            f = ncand ? cand[0] : kl_text__font_at(w->fs, 0);
        if (!f)
            return missing_char(w, cp);
        for (int32_t k = i; k < j; k++)
            w->font[k] = f;
        prev = f;
        prev_sc = w->script[i];
        i = j;
    }
    return 0;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

/* The run's cluster tables (srun.next, .same, .order): O(n log n). */
static int cluster_tables(work *w, srun *r)
{
    unsigned n = r->n;
    r->next = kl_core__malloc((n ? n : 1) * sizeof *r->next);
    r->same = kl_core__malloc((n ? n : 1) * sizeof *r->same);
    int32_t *sorted = kl_core__malloc((n ? n : 1) * sizeof *sorted);
    if (!r->next || !r->same || !sorted) {
        kl_free(sorted);
        return kl_core__oom(w->ctx);
    }
    bool up = true, down = true;
    for (unsigned g = 0; g < n; g++) {
        sorted[g] = (int32_t)r->info[g].cluster;
        if (g) {
            up = up && r->info[g - 1].cluster <= r->info[g].cluster;
            down = down && r->info[g - 1].cluster >= r->info[g].cluster;
        }
    }
    r->order = up ? 1 : down ? -1 : 0;
    if (r->order) {
        /* Clusters in order (HarfBuzz's default): one pass over the groups
         * of glyphs sharing a cluster, from the highest cluster down. */
        int32_t next = INT32_MAX;
        for (unsigned k = 0; k < n;) {
            /* From the highest cluster down: from the last glyph when the
             * clusters ascend, from the first when they descend. */
            unsigned g = r->order > 0 ? n - 1 - k : k, e = k;
            int32_t c = (int32_t)r->info[g].cluster;
            while (e < n && (int32_t)r->info[r->order > 0 ? n - 1 - e : e].cluster == c)
                e++;
            for (unsigned q = k; q < e; q++) {
                unsigned gq = r->order > 0 ? n - 1 - q : q;
                r->next[gq] = next;
                r->same[gq] = e - k;
            }
            next = c;
            k = e;
        }
        kl_free(sorted);
        return 0;
    }
    qsort(sorted, n, sizeof *sorted, cmp_i32);
    for (unsigned g = 0; g < n; g++) {
        int32_t c = (int32_t)r->info[g].cluster;
        /* The first and one past the last of c in the sorted clusters. */
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (sorted[mid] < c)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t first = lo;
        hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (sorted[mid] <= c)
                lo = mid + 1;
            else
                hi = mid;
        }
        r->same[g] = (unsigned)(lo - first);
        r->next[g] = lo < n ? sorted[lo] : INT32_MAX;
    }
    kl_free(sorted);
    return 0;
}

/* The glyphs of r whose cluster lies in [a, b): [*g0, *g1), or the whole run
 * when its clusters are not in order (the caller skips the others). */
static void glyph_range(const srun *r, int32_t a, int32_t b, unsigned *g0, unsigned *g1)
{
    *g0 = 0;
    *g1 = r->n;
    if (!r->order)
        return;
    /* The first glyph at or past each bound, in glyph order. */
    int32_t bounds[2] = {r->order > 0 ? a : b, r->order > 0 ? b : a};
    unsigned *outs[2] = {g0, g1};
    for (int k = 0; k < 2; k++) {
        unsigned lo = 0, hi = r->n;
        while (lo < hi) {
            unsigned mid = lo + (hi - lo) / 2;
            int32_t c = (int32_t)r->info[mid].cluster;
            bool before = r->order > 0 ? c < bounds[k] : c >= bounds[k];
            if (before)
                lo = mid + 1;
            else
                hi = mid;
        }
        *outs[k] = lo;
    }
}

static int shape_runs(work *w)
{
    hb_buffer_t *buf = hb_buffer_create();
    if (!hb_buffer_allocation_successful(buf)) {
        hb_buffer_destroy(buf);
        return kl_core__oom(w->ctx);
    }
    hb_language_t lang = hb_language_from_string(w->st->lang ? w->st->lang : "en", -1);
    int rc = 0;
    for (int32_t i = 0; i < w->len && !rc;) {
        int32_t j = i + 1;
        while (j < w->len && w->levels[j] == w->levels[i] && w->font[j] == w->font[i] &&
               w->script[j] == w->script[i])
            j++;
        if (KL_GROW(w->runs, w->cap_runs, w->nruns + 1) < 0) {
            rc = kl_core__oom(w->ctx);
            break;
        }
        srun *r = &w->runs[w->nruns++];
        memset(r, 0, sizeof *r);
        r->start = i;
        r->end = j;
        r->font = w->font[i];
        r->script = w->script[i];
        r->rtl = w->levels[i] & 1;
        hb_buffer_clear_contents(buf);
        hb_buffer_add_utf16(buf, (const uint16_t *)w->text, w->len, (unsigned)i, j - i);
        hb_buffer_set_direction(buf, r->rtl ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
        hb_buffer_set_script(buf, hb_script_from_string(uscript_getShortName(r->script), -1));
        hb_buffer_set_language(buf, lang);
        hb_shape(r->font->font, buf, NULL, 0);
        unsigned n = 0;
        hb_glyph_info_t *info = hb_buffer_get_glyph_infos(buf, &n);
        hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(buf, NULL);
        if (!hb_buffer_allocation_successful(buf)) {
            rc = kl_core__oom(w->ctx);
            break;
        }
        r->info = kl_core__malloc((n ? n : 1) * sizeof *info);
        r->pos = kl_core__malloc((n ? n : 1) * sizeof *pos);
        if (!r->info || !r->pos) {
            rc = kl_core__oom(w->ctx);
            break;
        }
        memcpy(r->info, info, n * sizeof *info);
        memcpy(r->pos, pos, n * sizeof *pos);
        r->n = n;
        if ((rc = cluster_tables(w, r)))
            break;
        float scale = w->st->size / (float)r->font->upem;
        for (unsigned g = 0; g < n; g++) {
            if (info[g].codepoint == 0) {
                /* .notdef is never drawn: find which character it stands for. */
                UChar32 cp;
                U16_GET(w->text, 0, (int32_t)info[g].cluster, w->len, cp);
                rc = missing_char(w, cp);
                break;
            }
            w->adv[info[g].cluster] += pos[g].x_advance * scale;
        }
        i = j;
    }
    hb_buffer_destroy(buf);
    return rc;
}

/* ---- lines --------------------------------------------------------------- */

static int emit_run(work *w, kl_tline *line, const srun *r, int32_t a, int32_t b)
{
    if (a < r->start)
        a = r->start;
    if (b > r->end)
        b = r->end;
    if (a >= b)
        return 0;
    /* Runs are only ever added to the line emit_line started last. */
    assert(line == w->line);
    if (KL_GROW(line->runs, w->cap_line_runs, (size_t)line->nruns + 1) < 0)
        return kl_core__oom(w->ctx);
    kl_trun *t = &line->runs[line->nruns++];
    memset(t, 0, sizeof *t);
    t->font = r->font;
    t->size = w->st->size;
    t->rtl = r->rtl;
    t->nu16 = (uint32_t)(b - a);
    t->start = (uint32_t)a;
    t->u16 = kl_core__malloc(t->nu16 * sizeof *t->u16);
    unsigned span0, span1;
    glyph_range(r, a, b, &span0, &span1);
    t->glyphs = kl_core__malloc((span1 > span0 ? span1 - span0 : 1) * sizeof *t->glyphs);
    if (!t->u16 || !t->glyphs)
        return kl_core__oom(w->ctx);
    memcpy(t->u16, w->text + a, t->nu16 * sizeof *t->u16);
    float scale = w->st->size / (float)r->font->upem;
    bool plain = !r->rtl;
    int32_t expect = a;
    unsigned g0, g1;
    glyph_range(r, a, b, &g0, &g1);
    for (unsigned g = g0; g < g1; g++) {
        int32_t c = (int32_t)r->info[g].cluster;
        if (c < a || c >= b)
            continue;
        /* The cluster ends where the next higher cluster value starts. */
        int32_t cend = r->next[g] < b ? r->next[g] : b;
        unsigned same = r->same[g];
        kl_glyph *gl = &t->glyphs[t->nglyphs++];
        gl->gid = r->info[g].codepoint;
        gl->adv = r->pos[g].x_advance * scale;
        gl->dx = r->pos[g].x_offset * scale;
        gl->dy = r->pos[g].y_offset * scale;
        gl->ustart = (uint16_t)(c - a);
        gl->ulen = same == 1 ? (uint16_t)(cend - c) : 0;
        t->width += gl->adv;
        if (same != 1 || c != expect || U16_LENGTH(w->text[c]) != cend - c ||
            (cend - c == 1 && U16_IS_SURROGATE(w->text[c])))
            plain = false;
        expect = cend;
    }
    if (expect != b)
        plain = false;
    t->plain = plain;
    return 0;
}

static int emit_line(work *w, kl_tpara *p, int32_t start, int32_t end)
{
    if (KL_GROW(p->lines, w->cap_lines, (size_t)p->nlines + 1) < 0)
        return kl_core__oom(w->ctx);
    kl_tline *line = &p->lines[p->nlines++];
    memset(line, 0, sizeof *line);
    w->line = line;
    w->cap_line_runs = 0;
    int32_t vis = end;
    while (vis > start && is_space(w->text[vis - 1]))
        vis--;
    line->width = (float)(w->wsum[vis] - w->wsum[start]);
    line->full_width = (float)(w->wsum[end] - w->wsum[start]);
    if (start >= end)
        return 0;

    UErrorCode e = U_ZERO_ERROR;
    UBiDi *lb = ubidi_openSized(end - start, 0, &e);
    if (U_SUCCESS(e))
        ubidi_setLine(w->bidi, start, end, lb, &e);
    int32_t nv = U_SUCCESS(e) ? ubidi_countRuns(lb, &e) : 0;
    int rc = 0;
    if (U_FAILURE(e))
        rc = kl_core__error(w->ctx, KL_EBACKEND, KL_NOWHERE, NULL, "ICU bidi failed on a line: %s",
                            u_errorName(e));
    for (int32_t v = 0; v < nv && !rc; v++) {
        int32_t ls, ln;
        UBiDiDirection dir = ubidi_getVisualRun(lb, v, &ls, &ln);
        int32_t a = start + ls, b = a + ln;
        /* The runs cover the paragraph in order: those overlapping [a, b). */
        size_t lo = 0, hi = w->nruns;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (w->runs[mid].end <= a)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t r0 = lo, r1 = lo;
        while (r1 < w->nruns && w->runs[r1].start < b)
            r1++;
        if (dir == UBIDI_LTR) {
            for (size_t r = r0; r < r1 && !rc; r++)
                rc = emit_run(w, line, &w->runs[r], a, b);
        } else {
            for (size_t r = r1; r-- > r0 && !rc;)
                rc = emit_run(w, line, &w->runs[r], a, b);
        }
    }
    ubidi_close(lb);
    return rc;
}

/* Break [start, b) between grapheme clusters; returns the break. */
static int32_t grapheme_fit(work *w, int32_t start, int32_t b, const char *loc)
{
    UErrorCode e = U_ZERO_ERROR;
    UBreakIterator *ci = ubrk_open(UBRK_CHARACTER, loc, w->orig + start, b - start, &e);
    int32_t best = -1;
    if (U_SUCCESS(e)) {
        for (int32_t p = ubrk_next(ci); p != UBRK_DONE; p = ubrk_next(ci)) {
            if (w->wsum[start + p] - w->wsum[start] > w->st->width && best > 0)
                break;
            best = p;
            if (w->wsum[start + p] - w->wsum[start] > w->st->width)
                break;
        }
        ubrk_close(ci);
    }
    return best > 0 ? start + best : b;
}

bool kl_text__hyphen_joins(const uint16_t *u, int32_t n, int32_t brk)
{
    if (brk < 2 || brk >= n)
        return false;
    UChar32 h = u[brk - 1];
    if (h != 0x2D && h != 0x2010)
        return false;
    UChar32 before, after;
    int32_t i = brk - 1;
    U16_PREV(u, 0, i, before);
    i = brk;
    U16_NEXT(u, i, n, after);
    return u_isalpha(before) && u_isalpha(after);
}

bool kl_text__in_address(const uint16_t *u, int32_t n, int32_t brk)
{
    if (brk <= 0 || brk >= n || is_space(u[brk - 1]) || is_space(u[brk]))
        return false;
    int32_t s = brk, e = brk;
    while (s > 0 && !is_space(u[s - 1]))
        s--;
    while (e < n && !is_space(u[e]))
        e++;
    for (int32_t i = s; i < e; i++) {
        if (u[i] == '@')
            return true;
        if (u[i] == ':' && i + 2 < e && u[i + 1] == '/' && u[i + 2] == '/')
            return true;
    }
    return e - s > 4 && u[s] == 'w' && u[s + 1] == 'w' && u[s + 2] == 'w' && u[s + 3] == '.';
}

static bool isolate_mark(UChar c)
{
    return c >= 0x2066 && c <= 0x2069;
}

bool kl_text__in_number(const uint16_t *u, int32_t n, int32_t brk)
{
    if (brk <= 0 || brk >= n)
        return false;
    int32_t a = brk - 1, b = brk;
    while (b < n && isolate_mark(u[b]))
        b++;
    if (b >= n || !u_isdigit(u[b]))
        return false;
    while (a >= 0 && isolate_mark(u[a]))
        a--;
    if (a >= 0 && u[a] == ' ') {
        a--;
        while (a >= 0 && isolate_mark(u[a]))
            a--;
        return a >= 0 && u_isdigit(u[a]);
    }
    if (a >= 1 && (u[a] == '-' || u[a] == 0x2013 || u[a] == '/')) {
        a--;
        while (a >= 0 && (isolate_mark(u[a]) || u[a] == ' ' || u[a] == 0x2009))
            a--;
        return a >= 0 && u_isdigit(u[a]);
    }
    return false;
}

/* One word wider than the line [start, end): where to split it between
 * characters. An email or web address breaks after the last '.', '@', '/'
 * or '-' that fits, where a reader expects ("priya.raman@" /
 * "westvale-sp.example", not "...sp.e" / "xample"); another word is never
 * split at its hyphen (it would read as a hyphenated word). */
static int32_t word_cut(work *w, int32_t start, int32_t end, const char *loc)
{
    int32_t cut = grapheme_fit(w, start, end, loc);
    /* An email or web address holds '@', '/' or a '.' inside it. */
    bool address = false;
    for (int32_t k = start; k < end && !address; k++)
        address = w->orig[k] == '@' || w->orig[k] == '/' ||
                  (w->orig[k] == '.' && k + 1 < end && u_isalnum(w->orig[k + 1]));
    for (int32_t k = cut - 1; address && k > start; k--) {
        UChar c = w->orig[k - 1];
        if (c == '.' || c == '@' || c == '/' || c == '-')
            return k;
    }
    return cut;
}

/* The word itself is not quoted: it may be a name or an address. */
static void warn_broken_word(kl_context *ctx)
{
    kl_core__warn(ctx, KL_SEVERITY_WARNING, KL_NOWHERE,
                  "shorten the word or choose a smaller print size",
                  "a word is wider than the line; it is broken between characters");
}

static int break_lines(work *w, kl_tpara *p)
{
    /* ICU's locale spelling of the language tag, whole (no fixed buffer). */
    kl_buf lb = KL_BUF_INIT;
    kl_core__buf_puts(&lb, w->st->lang ? w->st->lang : "en");
    if (lb.oom)
        return kl_core__oom(w->ctx);
    for (char *c = lb.data; *c; c++)
        if (*c == '-')
            *c = '_';
    const char *loc = lb.data;
    UErrorCode e = U_ZERO_ERROR;
    UBreakIterator *bi = ubrk_open(UBRK_LINE, loc, w->orig, w->len, &e);
    if (U_FAILURE(e)) {
        kl_core__buf_free(&lb);
        return kl_core__error(w->ctx, KL_EBACKEND, KL_NOWHERE, NULL, "ICU line breaker failed: %s",
                              u_errorName(e));
    }
    int rc = 0;
    int32_t start = 0, last_ok = -1;
    bool warned = false;
    double maxw = w->st->width > 0 ? w->st->width + 0.01 : INFINITY;
    int32_t b = ubrk_following(bi, 0);
    while (b != UBRK_DONE && !rc) {
        int32_t status = ubrk_getRuleStatus(bi);
        if (status < UBRK_LINE_HARD &&
            (kl_text__hyphen_joins(w->orig, w->len, b) || kl_text__in_address(w->orig, w->len, b) ||
             kl_text__in_number(w->orig, w->len, b))) {
            b = ubrk_next(bi);
            continue;
        }
        int32_t vis = b;
        while (vis > start && is_space(w->text[vis - 1]))
            vis--;
        double width = w->wsum[vis] - w->wsum[start];
        if (width <= maxw) {
            last_ok = b;
            if (status >= UBRK_LINE_HARD && status < UBRK_LINE_HARD_LIMIT && b < w->len) {
                rc = emit_line(w, p, start, b);
                start = b;
                last_ok = -1;
            }
            b = ubrk_next(bi);
            continue;
        }
        if (last_ok > start) {
            rc = emit_line(w, p, start, last_ok);
            start = last_ok;
            last_ok = -1;
            continue; /* the same break, measured from the new line start */
        }
        /* One word wider than the line: split it between characters. */
        int32_t cut = word_cut(w, start, vis > start ? vis : b, loc);
        if (!warned) {
            warn_broken_word(w->ctx);
            p->broke_word = warned = true;
        }
        if (cut >= b) {
            last_ok = b;
            b = ubrk_next(bi);
            continue;
        }
        rc = emit_line(w, p, start, cut);
        start = cut;
        last_ok = -1;
    }
    if (!rc && (start < w->len || p->nlines == 0))
        rc = emit_line(w, p, start, w->len);
    ubrk_close(bi);
    kl_core__buf_free(&lb);
    return rc;
}

static void work_free(work *w)
{
    for (size_t i = 0; i < w->nruns; i++) {
        kl_free(w->runs[i].info);
        kl_free(w->runs[i].pos);
        kl_free(w->runs[i].next);
        kl_free(w->runs[i].same);
    }
    kl_free(w->runs);
    kl_free(w->text);
    kl_free(w->orig);
    kl_free(w->levels);
    kl_free(w->script);
    kl_free(w->font);
    kl_free(w->adv);
    kl_free(w->wsum);
    if (w->bidi)
        ubidi_close(w->bidi);
}

static int shape_para(kl_context *ctx, const kl_fontset *fs, const char *utf8, const kl_tstyle *st,
                      kl_tpara **out)
{
    work w = {.ctx = ctx, .fs = fs, .st = st, .utf8 = utf8};
    kl_tpara *p = NULL;
    size_t n8 = strlen(utf8), bad;
    int rc = 0;
    if (!kl_core__utf8_valid(utf8, n8, &bad))
        return kl_core__error(ctx, KL_EPARSE, KL_NOWHERE, NULL,
                              "invalid UTF-8 at byte %zu of a paragraph", bad);
    if (n8 > KL_TEXT_MAX_PARA)
        return kl_core__error(ctx, KL_ELIMIT, KL_NOWHERE, "split the text into shorter paragraphs",
                              "a paragraph of %zu bytes: the limit is %d bytes", n8,
                              KL_TEXT_MAX_PARA);
    UErrorCode e = U_ZERO_ERROR;
    int32_t len = 0;
    u_strFromUTF8(NULL, 0, &len, utf8, (int32_t)n8, &e);
    if (e == U_BUFFER_OVERFLOW_ERROR || e == U_STRING_NOT_TERMINATED_WARNING)
        e = U_ZERO_ERROR;
    if (U_FAILURE(e))
        return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "ICU: %s", u_errorName(e));
    w.len = len;
    size_t cap = (size_t)len + 1;
    w.text = kl_core__malloc(cap * sizeof *w.text);
    w.orig = kl_core__malloc(cap * sizeof *w.orig);
    w.levels = kl_core__malloc(cap);
    w.script = kl_core__malloc(cap * sizeof *w.script);
    w.font = kl_core__calloc(cap, sizeof *w.font);
    w.adv = kl_core__calloc(cap, sizeof *w.adv);
    w.wsum = kl_core__calloc(cap, sizeof *w.wsum);
    p = tpara_new();
    if (!w.text || !w.orig || !w.levels || !w.script || !w.font || !w.adv || !w.wsum || !p) {
        rc = kl_core__oom(ctx);
        goto out;
    }
    u_strFromUTF8(w.orig, (int32_t)cap, NULL, utf8, (int32_t)n8, &e);
    memcpy(w.text, w.orig, cap * sizeof *w.text);
    for (int32_t i = 0; i < len; i++)
        if (w.text[i] < 0x20 || w.text[i] == 0x2028 || w.text[i] == 0x2029)
            w.text[i] = ' ';
    p->size = st->size;

    w.bidi = ubidi_openSized(len, 0, &e);
    UBiDiLevel level = st->dir == KL_TDIR_AUTO ? UBIDI_DEFAULT_LTR : kl_text__lang_rtl(st->lang);
    if (U_SUCCESS(e))
        ubidi_setPara(w.bidi, w.text, len, level, NULL, &e);
    if (U_FAILURE(e)) {
        rc = kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL, "ICU bidi failed: %s",
                            u_errorName(e));
        goto out;
    }
    p->rtl = ubidi_getParaLevel(w.bidi) & 1;
    for (int32_t i = 0; i < len; i++)
        w.levels[i] = ubidi_getLevelAt(w.bidi, i);

    resolve_scripts(&w);
    if ((rc = choose_fonts(&w)) || (rc = shape_runs(&w)))
        goto out;
    for (int32_t i = 0; i < len; i++)
        w.wsum[i + 1] = w.wsum[i] + w.adv[i];
    rc = break_lines(&w, p);
out:
    work_free(&w);
    if (rc) {
        tpara_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int kl_text__para(kl_context *ctx, const kl_fontset *fs, kl_text_cache *cache, const char *utf8,
                  const kl_tstyle *style, const kl_tpara **out)
{
    *out = NULL;
    if (!fs || !cache || !utf8 || !style || style->size <= 0)
        return kl_core__error(ctx, KL_EINVAL, KL_NOWHERE, NULL, "kl_text__para: bad arguments");
    /* The key: language, then the style in binary (sizes to a thousandth of
     * a point), then the text. Formatting the floats with snprintf cost
     * more than the rest of a cache hit. */
    char head[96];
    const char *lang = style->lang ? style->lang : "";
    size_t ln = strnlen(lang, 64);
    int64_t nums[4] = {style->bold, llround(style->size * 1000.0), llround(style->width * 1000.0),
                       (int64_t)style->dir};
    memcpy(head, lang, ln);
    head[ln] = '|';
    memcpy(head + ln + 1, nums, sizeof nums);
    int hn = (int)(ln + 1 + sizeof nums);
    size_t tn = strlen(utf8);
    size_t keylen = (size_t)hn + tn;
    uint64_t h = fnv1a(head, (size_t)hn);
    for (size_t i = 0; i < tn; i++)
        h = (h ^ (unsigned char)utf8[i]) * 1099511628211ull;
    centry **slot = &cache->buckets[h % CACHE_BUCKETS];
    for (centry *c = *slot; c; c = c->next)
        if (c->hash == h && c->keylen == keylen && !memcmp(c->key, head, (size_t)hn) &&
            !memcmp(c->key + hn, utf8, tn)) {
            c->hit = true;
            *out = c->para;
            /* Every letter that prints the paragraph is told, as the first was: whether a
             * letter's paragraph was shaped for an earlier letter (on its thread, since the
             * cache last forgot it) must not decide what its member is told. */
            if (c->para->broke_word)
                warn_broken_word(ctx);
            return 0;
        }
    kl_tpara *p = NULL;
    int rc = shape_para(ctx, fs, utf8, style, &p);
    if (rc)
        return rc;
    centry *c = kl_core__calloc(1, sizeof *c);
    char *key = kl_core__malloc(keylen + 1);
    if (!c || !key) {
        kl_free(c);
        kl_free(key);
        tpara_free(p);
        return kl_core__oom(ctx);
    }
    memcpy(key, head, (size_t)hn);
    memcpy(key + hn, utf8, tn + 1);
    c->hash = h;
    c->key = key;
    c->keylen = keylen;
    c->para = p;
    c->bytes = sizeof *c + keylen + 1 + tpara_bytes(p);
    c->next = *slot;
    *slot = c;
    cache->count++;
    cache->bytes += c->bytes;
    *out = p;
    return 0;
}
