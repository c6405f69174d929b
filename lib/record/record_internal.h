/* SPDX-License-Identifier: MIT */
/* record/record_internal.h: the record module's test hooks. */
#ifndef KL_RECORD_INTERNAL_H
#define KL_RECORD_INTERNAL_H

#include "core/core.h"
#include "kinletter/record.h"

#include <sqlite3.h>

/* Called inside kl_record_add_events()' transaction after each event is
 * inserted (i: 0-based), before the commit: tests kill the process here. */
extern void (*kl_record__after_insert)(size_t i);

/* The open database. */
sqlite3 *kl_record__db(kl_record *rec);

/* Days from a to b (civil dates YYYY-MM-DD); 0 and *days, or -1. */
int kl_record__days_between(const char *a, const char *b, int *days);

/* date + days into out ("" if date is not a date). */
void kl_record__add_days(const char *date, int days, char out[11]);

#endif
