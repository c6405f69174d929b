/* SPDX-License-Identifier: MIT */
#include "web.h"
void h_preview(web_request *rq, web_response *rs, const char *id, const char *mid, const char *tpl,
               bool pdf)
{
    (void)rq;
    (void)id;
    (void)mid;
    (void)tpl;
    (void)pdf;
    respond_error(rs, 404, "Not yet", "Not yet.");
}
