/* SPDX-License-Identifier: MIT */
#include "web.h"
void h_member_form(web_request *rq, web_response *rs, const char *id, const char *mid)
{
    (void)rq;
    (void)id;
    (void)mid;
    respond_error(rs, 404, "Not yet", "Not yet.");
}
void h_member_delete(web_request *rq, web_response *rs, const char *id, const char *mid)
{
    (void)rq;
    (void)id;
    (void)mid;
    respond_error(rs, 404, "Not yet", "Not yet.");
}
void h_family_csv(web_request *rq, web_response *rs, const char *id)
{
    (void)rq;
    (void)id;
    respond_error(rs, 404, "Not yet", "Not yet.");
}
void h_family_upload(web_request *rq, web_response *rs, const char *id)
{
    (void)rq;
    (void)id;
    respond_error(rs, 404, "Not yet", "Not yet.");
}
