/* SPDX-License-Identifier: MIT */
/* template/template.h: a loaded letter template as compose reads it (internal). */
#ifndef KL_TEMPLATE_H
#define KL_TEMPLATE_H

#include "core/core.h"
#include "kinletter/letter.h"

#include <libxml/xpath.h>

/* The elements of docs/TEMPLATES.md. */
typedef enum kl_tkind {
    KL_T_LETTERHEAD = 0,
    KL_T_ADDRESS,
    KL_T_DATE,
    KL_T_REFERENCE,
    KL_T_SALUTATION,
    KL_T_SECTION,
    KL_T_HEADING,
    KL_T_P,
    KL_T_LIST,
    KL_T_ITEM,
    KL_T_CONTACT,
    KL_T_ROW,
    KL_T_SIGNATURE,
    KL_T_FIGURE,
    KL_T_PAGE_BREAK,
    KL_T_SMS,
    KL_T_QUESTIONS, /* the member's questions and answers (kl_letter_options.qa) */
    KL_T_POINT,     /* Easy Read: a picture beside one point (picture, term, msg) */
    KL_T_CREDIT     /* a small line at the end (the pictures' credit) */
} kl_tkind;

/* An <arg name select>: an extra named argument, a compiled XPath. */
/* The most <arg> elements one template element may have. */
#define KL_TEMPLATE_MAX_ARGS 16

typedef struct kl_targ {
    char *name;
    char *select; /* the source text, for messages */
    xmlXPathCompExprPtr expr;
    unsigned line, column;
} kl_targ;

/* One template element. Immutable once loaded: compose only reads it, and
 * evaluates the compiled expressions with its own xmlXPathContext. */
typedef struct kl_tnode kl_tnode;
struct kl_tnode {
    kl_tkind kind;
    char *msg;          /* message id, or NULL */
    char *label;        /* ROW: label message id */
    char *href;         /* ROW: "tel", "mailto", "web" or NULL */
    char *asked;        /* QUESTIONS: "You asked us:" message id (msg is the heading) */
    char *answer;       /* QUESTIONS: the answer's label message id */
    char *open_msg;     /* QUESTIONS: the message for a question not answered yet */
    char *picture;      /* POINT: the picture's name ("meeting") */
    char *picture_path; /* POINT: templates/pictures/<name>.png on the data path, or NULL */
    char *alt_msg;      /* POINT: its alt text's message id ("picture.meeting") */
    char *term;         /* POINT: a hard word's message id (printed in bold above), or NULL */
    char *detail;       /* POINT: a line under it that is not a sentence (hours), or NULL */
    int level;          /* HEADING */
    int ordered;        /* LIST */
    char *when;         /* source text of @when, or NULL */
    xmlXPathCompExprPtr when_expr;
    char *each; /* LIST: source text of @each, or NULL */
    xmlXPathCompExprPtr each_expr;
    kl_targ *args;
    size_t n_args;          /* at most KL_TEMPLATE_MAX_ARGS (the loader refuses more) */
    kl_tnode *first, *next; /* children (SECTION, LIST, CONTACT) */
    unsigned line, column;  /* where the element starts in the template file */
};

struct kl_template {
    char *name;
    char *source; /* the file (or buffer name) it came from */
    char *title_msg;
    char *subject_msg;     /* may be NULL */
    char *email_intro_msg; /* the email body's opening (letter@email-intro), may be NULL */
    kl_tnode *body;        /* the letter's elements in order (without <sms>) */
    kl_tnode *easy;        /* the Easy Read letter's elements (<easy-read>), or NULL */
    kl_tnode *sms;         /* may be NULL */
};

/* Call fn on every message id the template uses (msg, label, title,
 * subject), with where it is; stops at the first nonzero return. */
typedef int (*kl_template_msg_fn)(const char *msgid, unsigned line, unsigned column, void *ud);
int kl_template__each_msg(const kl_template *tpl, kl_template_msg_fn fn, void *ud);
/* The same for the Easy Read letter's elements (with each point's picture
 * alt text and hard word); nothing when the template has none. */
int kl_template__each_easy_msg(const kl_template *tpl, kl_template_msg_fn fn, void *ud);

/* A new XPath context over a review document with prefix r: and the
 * template variables ($member is a node-set of member; the others strings).
 * NULL on allocation failure. The caller frees it (xmlXPathFreeContext). */
xmlXPathContextPtr kl_template__xpath_new(xmlDocPtr doc, xmlNodePtr member, const char *channel,
                                          const char *variant, const char *locale,
                                          const char *outcome, const char *type);

/* The same, the thread's own context made again for this document (a context costs more to
 * make, with its tables of functions and variables, than most letters' conditions cost to
 * evaluate), or a new one while the thread's is taken. Given back with
 * kl_template__xpath_give (never xmlXPathFreeContext), which keeps it for the thread's next
 * letter without the document or its member; freed when the thread ends. */
xmlXPathContextPtr kl_template__xpath_take(xmlDocPtr doc, xmlNodePtr member, const char *channel,
                                           const char *variant, const char *locale,
                                           const char *outcome, const char *type);
void kl_template__xpath_give(xmlXPathContextPtr xp);

/* libxml2 prints some XPath evaluation errors through its generic error
 * function (per thread); the library never prints, so silence it around
 * evaluation and restore it after. */
typedef struct kl_xml_quiet {
    xmlGenericErrorFunc fn;
    void *ctx;
} kl_xml_quiet;
void kl_template__quiet(kl_xml_quiet *q);
void kl_template__unquiet(const kl_xml_quiet *q);

/* The schema, embedded at build time from templates/template.rng. */
extern const unsigned char kl_template__rng[];
extern const size_t kl_template__rng_len;

#endif
