/* SPDX-License-Identifier: MIT */
/* web/web.h: `kinletter serve`, the coordinator's web page (docs/WEB.md). Internal to web/;
 * uses only the public kinletter API, libmicrohttpd and libxml2's HTML tree. */
#ifndef KL_WEB_H
#define KL_WEB_H

#include <kinletter.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* `kinletter serve ...`: argv[0] is "serve". Returns an exit code (0, 1, 2). */
int kl_web_serve(int argc, char **argv);

/* ---- requests and responses (serve.c) ------------------------------------------------ */

typedef struct web_field {
    char *name;
    char *value; /* NUL-terminated; may hold NULs for an uploaded file (len) */
    size_t len;
    char *filename; /* for a file input, or NULL */
} web_field;

typedef struct web_session web_session;

typedef struct web_request {
    const char *method;
    const char *path; /* decoded URL path */
    bool post;
    web_field *fields;
    size_t n_fields, cap_fields;
    web_session *session;
    const char *user; /* the signed-in user's name, or NULL (token mode) */
    const char *csrf; /* the session's CSRF token */
} web_request;

typedef struct web_response {
    unsigned status;
    unsigned char *body;
    size_t len;
    const char *content_type;
    char *location;    /* 303 redirect target, or NULL */
    char *set_cookie;  /* or NULL */
    char *disposition; /* Content-Disposition, or NULL */
    bool has_fd;       /* send the file fd (len bytes) instead of body */
    int fd;
} web_response;

/* A copy of s without white space at either end (allocated, free(); NULL out of memory). */
char *trimmed(const char *s);
/* The value of a form field, or NULL. */
const char *web_field_get(const web_request *rq, const char *name);
/* The value, or "" when absent. */
const char *web_field_str(const web_request *rq, const char *name);
const web_field *web_field_find(const web_request *rq, const char *name);

/* ---- the server's state ---------------------------------------------------------------- */

typedef struct web_gen_row {
    char *member_id, *channel, *file, *status, *reason;
    int draft;
} web_gen_row;

/* One batch run at a time (generate.c), read by the progress page. */
typedef struct web_gen {
    pthread_mutex_t lock;
    bool running, finished;
    char review_id[80];     /* ws_id_ok: 64 characters at most */
    char template_name[32]; /* web_template_ok: a bundled template's name */
    size_t done, total;
    int rc;
    char *error; /* the run's error message, or NULL */
    web_gen_row *rows;
    size_t n_rows;
    size_t print_packs, print_pack_pages, files, members_failed;
    pthread_t thread;
    bool thread_started;
} web_gen;

typedef struct web_server {
    char *dir;         /* the workspace, absolute */
    char origin[1300]; /* scheme://host:port as printed */
    bool tls;
    bool users_mode;
    kl_context *ctx; /* used by the MHD thread only */
    kl_catalog_set *catalogs;
    kl_pdf_renderer *renderer;
    web_gen gen;
    char *users_file;
} web_server;

extern web_server *web_srv;

/* The request being answered (pages are made by the one server thread), or NULL. */
extern const web_request *web_current;

/* ---- pages (page.c) --------------------------------------------------------------------- */

typedef struct web_page {
    htmlDocPtr doc;
    xmlNodePtr head, body, main;
    xmlNodePtr errors; /* the error summary's list, or NULL */
    xmlNodePtr summary;
    size_t n_errors;
} web_page;

/* A new page: <html lang="en">, title "TITLE - kinletter", the stylesheet and script, a
 * header, a <main> with an <h1>TITLE</h1>. */
web_page *page_new(const char *title);
void page_free(web_page *p);
/* Finish the page into a response (200 unless status). */
void page_respond(web_page *p, web_response *rs, unsigned status);
/* A child element with escaped text (text NULL: empty). */
xmlNodePtr el(xmlNodePtr parent, const char *tag, const char *text);
/* el() with a class. */
xmlNodePtr elc(xmlNodePtr parent, const char *tag, const char *cls, const char *text);
void attr(xmlNodePtr n, const char *name, const char *value);
/* Text appended to an element. */
void text(xmlNodePtr n, const char *t);
/* <a href=HREF>TEXT</a> */
xmlNodePtr a_link(xmlNodePtr parent, const char *href, const char *t);
/* Formatted text (printf). */
char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* Add an error to the page's summary (made at the top of <main> on first use), linking to
 * #field (NULL: no link). */
void page_error(web_page *p, const char *field, const char *message);
/* A <form method="post" action=ACTION> with the hidden csrf input. */
xmlNodePtr form_new(xmlNodePtr parent, const web_request *rq, const char *action, bool multipart);
/* A hidden input. */
void form_hidden(xmlNodePtr form, const char *name, const char *value);
/* A submit button. */
void form_button(xmlNodePtr form, const char *label, const char *cls);

/* Field errors of a form: field name -> message. */
typedef struct web_errors {
    char **field, **message;
    size_t n, cap;
} web_errors;
void errors_add(web_errors *e, const char *field, const char *message);
const char *errors_get(const web_errors *e, const char *field);
void errors_free(web_errors *e);

/* Input fields: a labelled group (div.field) with hint and error, wired with
 * aria-describedby. kind: "text", "email", "tel", "date", "number", "url", "textarea". */
xmlNodePtr field_input(xmlNodePtr parent, const char *kind, const char *name, const char *label,
                       const char *hint, const char *value, const web_errors *errs);
/* A <select> with options (value, label pairs, NULL-terminated). */
xmlNodePtr field_select(xmlNodePtr parent, const char *name, const char *label, const char *hint,
                        const char *const *options, const char *value, const web_errors *errs);
/* Radios in a fieldset (value, label pairs). */
xmlNodePtr field_radios(xmlNodePtr parent, const char *name, const char *legend, const char *hint,
                        const char *const *options, const char *value, const web_errors *errs);
/* A checkbox. */
xmlNodePtr field_checkbox(xmlNodePtr parent, const char *name, const char *label, const char *hint,
                          bool checked, const web_errors *errs);
/* Summary of errs at the top of the page, linking to each field (in order). */
void page_errors_from(web_page *p, const web_errors *errs);

/* A 403/404/... page. */
void respond_error(web_response *rs, unsigned status, const char *title, const char *message);
void respond_redirect(web_response *rs, const char *location);
/* 303 to /reviews/ID, or to /reviews/ID/PAGE when page is not NULL. */
void redirect_review(web_response *rs, const char *id, const char *page);
void respond_bytes(web_response *rs, const char *content_type, void *data, size_t len);

/* ---- names a coordinator reads (names.c) ------------------------------------------------ */

/* A language tag's name in English ("ar" -> "Arabic", "en-GB" -> "English"); the tag itself
 * when ICU does not know it (allocated). */
char *language_name(const char *tag);
/* A contact channel's plain name ("sms" -> "Text message"); the keyword when unknown. */
const char *channel_label(const char *channel);
/* A review type's plain name ("lcspr" -> "Local child safeguarding practice review"). */
const char *review_type_label(const char *keyword);

/* ---- the workspace (workspace.c) --------------------------------------------------------- */

/* A review id usable as a directory name: [A-Za-z0-9._-]{1,64}, not starting with '.'. */
bool ws_id_ok(const char *id);
/* A member id: [A-Za-z0-9_-]{1,64}. */
bool ws_member_id_ok(const char *id);
/* DIR/<id>/review.xml (allocated). */
char *ws_review_path(const char *id);
/* Read DIR/<id>/review.xml into a libxml2 tree (NULL when missing or unreadable: *why says). */
xmlDocPtr ws_review_read(const char *id, const char **why);
/* The error page for a review ws_review_read() returned NULL for: 404 "Review not found"
 * when there is none with the id, else "This review could not be read" with why (the
 * loader's review.xml:line:col message, never the family's data). */
void respond_review_unread(web_response *rs, const char *why);
/* The ids of the reviews in DIR, sorted (NULL-terminated; free with ws_ids_free). */
char **ws_review_ids(void);
void ws_ids_free(char **ids);
/* Write data to path atomically with mode 0600 (temporary file, fsync, rename). */
int ws_write_atomic(const char *path, const void *data, size_t len);
/* Make dir (0700) if missing. */
int ws_mkdir(const char *path);
/* Load DIR/<id>/review.xml with the library, collecting diagnostics into errs (field "",
 * message with member). Returns the review or NULL. */
kl_review *ws_review_load(kl_context *ctx, const char *id, web_errors *errs, web_errors *warnings);

/* Element helpers on the review tree (namespace urn:kinletter:review:1). */
#define KL_REVIEW_NS "urn:kinletter:review:1"
xmlNodePtr dom_child(xmlNodePtr n, const char *name);
/* The value at "a/b@c" or "a/b" (text) below n, or NULL (xmlFree). */
char *dom_get(xmlNodePtr n, const char *path);
/* Set a value ("" or NULL removes the attribute or element). */
void dom_set(xmlNodePtr n, const char *path, const char *value);
/* The element at "a/b" below n (no '@'; len bytes of path), made when missing if create;
 * or NULL. */
xmlNodePtr dom_walk(xmlNodePtr n, const char *path, size_t len, bool create);
/* A builder's path without its [N]s ("contact/hours[2]@days" -> "contact/hours@days";
 * allocated, NULL out of memory); *last (when not NULL) gets the last N (1 for [0]),
 * untouched when there is none. */
char *path_without_index(const char *path, unsigned *last);
/* The text of every "a/b/line" element below n, one a line, each ending in '\n' ("" for
 * none; allocated, free(); NULL out of memory). */
char *dom_lines(xmlNodePtr n, const char *path);
/* A new child element at the end. */
xmlNodePtr dom_add(xmlNodePtr n, const char *name, const char *text);
/* A <member> element made from a member the library loaded (family.c). */
xmlNodePtr ws_member_from_loaded(xmlDocPtr doc, xmlNsPtr ns, const kl_review *rv,
                                 const kl_member *km);
/* The member form's reading levels and formats (value, label pairs; family.c). */
extern const char *const member_relationships[];
extern const char *const member_readings[];
extern const char *const member_formats[];
/* The member element with this id, or NULL. */
xmlNodePtr dom_member(xmlDocPtr doc, const char *mid);

/* Check the review tree with the library (the same checks as `kinletter check`) through
 * the builder, and on success (no error for which blocks(field) holds) write it to
 * DIR/<id>/review.xml. Errors are mapped to form fields by map_field. Returns 0 when
 * saved. */
typedef const char *(*ws_field_map)(const char *path, const char *member_id, void *userdata);
int ws_review_save(xmlDocPtr doc, const char *id, ws_field_map map, void *userdata,
                   web_errors *errs, web_errors *warnings,
                   bool (*blocks)(const char *member_id, void *userdata));
/* The member fields and the review fields (reviews.c, family.c). */
const char *review_field_for_path(const char *path);
const char *member_field_for_path(const char *path);

/* Append a line to DIR/audit.log: time, user, action, review, member (never personal data). */
void ws_audit(const web_request *rq, const char *action, const char *review_id,
              const char *member_id);

/* ---- handlers ----------------------------------------------------------------------------- */

void h_reviews(web_request *rq, web_response *rs);
void h_review_new(web_request *rq, web_response *rs);
void h_review_example(web_request *rq, web_response *rs);
void h_review_edit(web_request *rq, web_response *rs, const char *id);
void h_review(web_request *rq, web_response *rs, const char *id);
void h_member_form(web_request *rq, web_response *rs, const char *id, const char *mid);
void h_member_delete(web_request *rq, web_response *rs, const char *id, const char *mid);
void h_family_csv(web_request *rq, web_response *rs, const char *id);
void h_family_upload(web_request *rq, web_response *rs, const char *id);
void h_preview(web_request *rq, web_response *rs, const char *id, const char *mid, const char *tpl,
               bool pdf);
void h_generate(web_request *rq, web_response *rs, const char *id);
void h_file(web_request *rq, web_response *rs, const char *id, const char *tpl, const char *name);
void h_record(web_request *rq, web_response *rs, const char *id);

/* The bundled templates a coordinator may pick. */
extern const char *const web_templates[];
bool web_template_ok(const char *name);

/* The users file (users.c). */
int users_check(const char *file, const char *name, const char *password);
int users_validate_file(const char *file, char *why, size_t cap);
/* True if the users file names this user. */
bool users_known(const char *file, const char *name);
int users_hash_password(void);

#endif
