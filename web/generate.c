/* SPDX-License-Identifier: MIT */
#include "web.h"
void h_generate(web_request *rq, web_response *rs, const char *id)
{
    (void)rq;
    (void)id;
    respond_error(rs, 404, "Not yet", "Not yet.");
}
void h_file(web_request *rq, web_response *rs, const char *id, const char *tpl, const char *name)
{
    (void)rq;
    (void)id;
    (void)tpl;
    (void)name;
    respond_error(rs, 404, "Not yet", "Not yet.");
}
