/* SPDX-License-Identifier: MIT */
/* check/select.c: which of a member's letters readability is measured on, the same for
 * `kinletter readability` and any other program (issue 18, item 6). */
#include "core/core.h"
#include "kinletter/readability.h"

KL_API int kl_readability_letter_for(const kl_review *review, const kl_member *member,
                                     kl_channel *channel, kl_reading *variant, const char **why)
{
    if (!review || !member || !channel || !variant || !why)
        return KL_EINVAL;
    *why = NULL;
    *channel = KL_CHANNEL_POST;
    *variant = kl_member_reading(member);
    if (kl_member_contact_none(member)) {
        *why = "not contacted: no letters";
        return 0;
    }
    if (!kl_review_member_ok(review, member)) {
        *why = "data has errors: no letters";
        return 0;
    }
    /* The letter a member reads: the first channel that is not a text message
     * (a text message only invites contact and is not prose to measure). */
    for (size_t i = 0; i < kl_member_contact_count(member); i++) {
        kl_channel c = kl_contact_channel(kl_member_contact_at(member, i));
        if (c != KL_CHANNEL_SMS) {
            *channel = c;
            return 0;
        }
    }
    *why = "text messages only: no letter to measure";
    return 0;
}
