/* SPDX-License-Identifier: MIT */
/* kinletter.h: the umbrella header of libkinletter. Include only this. */
#ifndef KINLETTER_H
#define KINLETTER_H

#include "kinletter/common.h"
#include "kinletter/review.h"
#include "kinletter/letter.h"
#include "kinletter/catalog.h"
#include "kinletter/pdf.h"
#include "kinletter/batch.h"
#include "kinletter/record.h"
#include "kinletter/send.h"
#include "kinletter/notify.h"
#include "kinletter/readability.h"

#endif
