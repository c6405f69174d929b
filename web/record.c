/* SPDX-License-Identifier: MIT */
#include "web.h"
void h_record(web_request *rq, web_response *rs, const char *id)
{
    (void)rq;
    (void)id;
    respond_error(rs, 404, "Not yet", "Not yet.");
}
