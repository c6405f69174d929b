/* SPDX-License-Identifier: MIT */
/* tests/data/pdf/sample_doc.h: hand-built letters for the layout and pdf tests. */
#ifndef KL_TEST_SAMPLE_DOC_H
#define KL_TEST_SAMPLE_DOC_H

#include "compose/doc.h"

typedef struct sample_text {
    const char *lang;
    const char *heading;
    const char *para; /* a sentence in the language */
} sample_text;

/* One sentence per script the catalogs use. */
static const sample_text samples[] = {
    {"en-GB", "About the review", "We are very sorry for the loss of Amelia."},
    {"cy", "Ynglŷn â’r adolygiad", "Mae’n ddrwg iawn gennym am golli Amelia. Ŵyr ŷd."},
    {"pl", "O przeglądzie", "Bardzo nam przykro z powodu śmierci Amelii. Zażółć gęślą jaźń."},
    {"ar", "حول المراجعة", "نحن آسفون جدا لفقدان أميليا."},
    {"fa", "درباره بررسی", "ما برای از دست دادن آملیا بسیار متاسفیم."},
    {"ur", "جائزے کے بارے میں", "ہمیں امیلیا کے نقصان پر بہت افسوس ہے۔"},
    {"bn", "পর্যালোচনা সম্পর্কে", "অ্যামেলিয়াকে হারানোর জন্য আমরা খুবই দুঃখিত।"},
    {"pa", "ਸਮੀਖਿਆ ਬਾਰੇ", "ਸਾਨੂੰ ਅਮੇਲੀਆ ਦੇ ਜਾਣ ਦਾ ਬਹੁਤ ਅਫ਼ਸੋਸ ਹੈ।"},
    {"gu", "સમીક્ષા વિશે", "અમેલિયાના અવસાન બદલ અમને ખૂબ દુઃખ છે."},
    {"hi", "समीक्षा के बारे में", "हमें अमेलिया को खोने का बहुत दुख है।"},
    {"zh-Hans", "关于审查", "我们对失去阿米莉亚深感悲痛。"},
};
#define N_SAMPLES (sizeof samples / sizeof *samples)

static const char long_para[] =
    "The review has started and we would like to hear from you about what happened, in your "
    "own words and at your own pace. You can talk to us by phone, by email or in person, and "
    "you can bring someone with you. Nothing you tell us will be used to blame anyone.";

static kl_node *add_line(kl_node *parent, const char *text)
{
    return kl_doc__add(parent, KL_NODE_LINE, text);
}

/* A whole notification letter: letterhead with logo, address, date,
 * reference, salutation, headings, paragraphs, lists, contact table,
 * signature. logo may be NULL. */
static kl_doc *sample_letter(const sample_text *s, double body_pt, const char *logo, int paras)
{
    kl_doc *d = kl_doc__new(s->lang);
    if (!d)
        return NULL;
    kl_doc__set(&d->title, s->heading);
    kl_doc__set(&d->author, "Northshire Safeguarding Children Partnership");
    d->body_pt = body_pt;
    d->has_address = 1;
    kl_node *r = d->root;
    kl_node *lh = kl_doc__add(r, KL_NODE_LETTERHEAD, NULL);
    if (logo) {
        kl_node *fig = kl_doc__add(lh, KL_NODE_FIGURE, NULL);
        kl_doc__set(&fig->src, logo);
        kl_doc__set(&fig->alt, "Northshire Safeguarding Children Partnership logo");
    }
    add_line(lh, "Northshire Safeguarding Children Partnership");
    add_line(lh, "County Hall, 1 Market Street");
    add_line(lh, "Northtown NT1 1AA");
    add_line(lh, "01632 960000");
    add_line(lh, "safeguarding@northshire.example");
    kl_node *ad = kl_doc__add(r, KL_NODE_ADDRESS, NULL);
    add_line(ad, "Ms Anna Nowak");
    add_line(ad, "21 Victoria Road");
    add_line(ad, "Northtown");
    add_line(ad, "NT2 3BB");
    kl_doc__add(r, KL_NODE_DATE, "1 March 2026");
    kl_doc__add(r, KL_NODE_REFERENCE, "Our reference: NSCP-2026-017");
    kl_doc__add(r, KL_NODE_SALUTATION, "Dear Ms Nowak,");
    kl_node *h1 = kl_doc__add(r, KL_NODE_HEADING, s->heading);
    h1->level = 1;
    kl_doc__add(r, KL_NODE_PARAGRAPH, s->para);
    kl_node *sec = kl_doc__add(r, KL_NODE_SECTION, NULL);
    kl_node *h2 = kl_doc__add(sec, KL_NODE_HEADING, "What the review is for");
    kl_doc__set(&h2->lang, "en-GB");
    h2->level = 2;
    for (int i = 0; i < paras; i++) {
        kl_node *p = kl_doc__add(sec, KL_NODE_PARAGRAPH, long_para);
        kl_doc__set(&p->lang, "en-GB");
    }
    kl_node *ul = kl_doc__add(sec, KL_NODE_LIST, NULL);
    kl_doc__add(ul, KL_NODE_ITEM, s->para);
    kl_doc__add(ul, KL_NODE_ITEM, "It will not decide whether anyone committed a crime.");
    kl_node *ol = kl_doc__add(sec, KL_NODE_LIST, NULL);
    ol->ordered = 1;
    kl_doc__add(ol, KL_NODE_ITEM, "We read the records.");
    kl_doc__add(ol, KL_NODE_ITEM, "We talk to the family.");
    kl_node *ct = kl_doc__add(r, KL_NODE_CONTACT, NULL);
    kl_node *row = kl_doc__add(ct, KL_NODE_ROW, "Jo Bloggs, family contact");
    kl_doc__set(&row->label, "Name");
    row = kl_doc__add(ct, KL_NODE_ROW, "01632 960123");
    kl_doc__set(&row->label, "Phone");
    kl_doc__set(&row->href, "tel:+441632960123");
    row = kl_doc__add(ct, KL_NODE_ROW, "jo.bloggs@northshire.example");
    kl_doc__set(&row->label, "Email");
    kl_doc__set(&row->href, "mailto:jo.bloggs@northshire.example");
    kl_node *sig = kl_doc__add(r, KL_NODE_SIGNATURE, NULL);
    add_line(sig, "Yours sincerely,");
    add_line(sig, "Jo Bloggs");
    add_line(sig, "Family contact");
    return d;
}

#endif
