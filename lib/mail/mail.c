/* SPDX-License-Identifier: MIT */
/* mail/mail.c: an email member's letter as a MIME draft, made with GMime. */
#include "mail/mail.h"
#include "core/core.h"
#include <gmime/gmime.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_start(void)
{
    g_mime_init();
}

int kl_mail__eml(kl_context *ctx, const kl_mail_draft *d, unsigned char **out, size_t *len,
                 size_t *head_len)
{
    *out = NULL;
    *len = 0;
    *head_len = 0;
    pthread_once(&gmime_once, gmime_start);
    int rc = 0;
    GDateTime *date = g_date_time_new_from_iso8601(d->date, NULL);
    if (!date)
        return kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                              "the email draft's date is not an ISO 8601 date and time");

    GMimeMessage *msg = g_mime_message_new(TRUE);
    GMimeObject *mo = GMIME_OBJECT(msg);
    g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, d->from_name, d->from_email);
    g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_REPLY_TO, d->from_name, d->from_email);
    g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, d->to_name, d->to_email);
    g_mime_message_set_subject(msg, d->subject, "utf-8");
    g_mime_message_set_date(msg, date);
    g_mime_message_set_message_id(msg, d->message_id);
    /* Outlook and Thunderbird open a message with this header as a draft. */
    g_mime_object_set_header(mo, "X-Unsent", "1", NULL);

    GMimeTextPart *text = g_mime_text_part_new_with_subtype("plain");
    g_mime_text_part_set_text(text, d->body);
    g_mime_text_part_set_charset(text, "utf-8");
    g_mime_part_set_content_encoding(GMIME_PART(text), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);

    GMimePart *att = g_mime_part_new_with_type("application", "pdf");
    GMimeStream *ps = g_mime_stream_mem_new_with_buffer((const char *)d->pdf, d->pdf_len);
    GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(ps, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content(att, dw);
    g_mime_part_set_content_encoding(att, GMIME_CONTENT_ENCODING_BASE64);
    g_mime_object_set_disposition(GMIME_OBJECT(att), GMIME_DISPOSITION_ATTACHMENT);
    /* The ASCII name in both places, then the UTF-8 name as the content
     * type's name: GMime writes it per RFC 2231 when it is not ASCII. */
    g_mime_part_set_filename(att, d->pdf_file);
    if (d->pdf_title)
        g_mime_object_set_content_type_parameter(GMIME_OBJECT(att), "name", d->pdf_title);

    GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
    g_mime_multipart_set_boundary(mixed, d->boundary);
    g_mime_multipart_add(mixed, GMIME_OBJECT(text));
    g_mime_multipart_add(mixed, GMIME_OBJECT(att));
    g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));

    GMimeFormatOptions *fo = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
    GMimeStream *os = g_mime_stream_mem_new();
    if (g_mime_object_write_to_stream(mo, fo, os) < 0) {
        rc = kl_core__error(ctx, KL_EBACKEND, KL_NOWHERE, NULL,
                            "GMime could not write the email draft");
    } else {
        GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(os));
        unsigned char *p = kl_core__malloc(ba->len ? ba->len : 1);
        if (!p) {
            rc = kl_core__oom(ctx);
        } else {
            memcpy(p, ba->data, ba->len);
            *out = p;
            *len = ba->len;
            size_t h = 0;
            while (h + 4 <= ba->len && memcmp(p + h, "\r\n\r\n", 4) != 0)
                h++;
            *head_len = h + 4 <= ba->len ? h : ba->len;
        }
    }
    g_object_unref(os);
    g_mime_format_options_free(fo);
    g_object_unref(mixed);
    g_object_unref(att);
    g_object_unref(dw);
    g_object_unref(ps);
    g_object_unref(text);
    g_object_unref(msg);
    g_date_time_unref(date);
    return rc;
}

/* The first mailbox's address of a header of msg, copied, or NULL. */
static char *first_address(GMimeMessage *msg, GMimeAddressType type)
{
    InternetAddressList *l = g_mime_message_get_addresses(msg, type);
    if (!l || internet_address_list_length(l) < 1)
        return NULL;
    InternetAddress *a = internet_address_list_get_address(l, 0);
    if (!INTERNET_ADDRESS_IS_MAILBOX(a))
        return NULL;
    const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
    return addr && *addr ? kl_core__strdup(addr) : NULL;
}

int kl_mail__addresses(kl_context *ctx, const unsigned char *eml, size_t len, char **from,
                       char **to, size_t *n_to)
{
    *from = *to = NULL;
    *n_to = 0;
    pthread_once(&gmime_once, gmime_start);
    GMimeStream *s = g_mime_stream_mem_new_with_buffer((const char *)eml, len);
    GMimeParser *p = g_mime_parser_new_with_stream(s);
    GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
    int rc = 0;
    if (!msg) {
        rc = kl_core__error(ctx, KL_EFORMAT, KL_NOWHERE, "generate the letters again",
                            "the email draft is not a MIME message");
    } else {
        *from = first_address(msg, GMIME_ADDRESS_TYPE_FROM);
        *to = first_address(msg, GMIME_ADDRESS_TYPE_TO);
        /* Every recipient counts: a draft for one member goes to one address. */
        static const GMimeAddressType kinds[] = {GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC,
                                                 GMIME_ADDRESS_TYPE_BCC};
        for (size_t k = 0; k < 3; k++) {
            InternetAddressList *l = g_mime_message_get_addresses(msg, kinds[k]);
            *n_to += l ? (size_t)internet_address_list_length(l) : 0;
        }
        if (!*from || !*to) {
            kl_free(*from);
            kl_free(*to);
            *from = *to = NULL;
            rc = kl_core__error(ctx, KL_EFORMAT, KL_NOWHERE, "generate the letters again",
                                "the email draft has no From or no To address");
        }
        g_object_unref(msg);
    }
    g_object_unref(p);
    g_object_unref(s);
    return rc;
}
