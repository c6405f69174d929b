#!/bin/sh
# SPDX-License-Identifier: MIT
# The example's Arabic (m06) and Urdu (m07) letters as PDF: phone numbers
# and the Samaritans number inside right-to-left lines read left to right.
set -eu
KL=$1
SRC=$2
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail=0
for m in m06 m07; do
    "$KL" render -m "$m" -f pdf -o "$DIR/$m.pdf" 2>/dev/null
    python3 "$SRC/tests/cases/rtl/rtl_numbers.py" "$DIR/$m.pdf" \
        "116 123" "01632 960456" "07700 900123" || fail=1
done
exit $fail
