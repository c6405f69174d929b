#!/bin/sh
# SPDX-License-Identifier: MIT
# The example's Arabic (m06) and Urdu (m07) letters as PDF: phone numbers
# and the Samaritans number inside right-to-left lines read left to right.
set -eu
kl=$1
src=$2
. "$(dirname "$0")/../lib.sh"
for m in m06 m07; do
    "$kl" render -m "$m" -f pdf -o "$tmp/$m.pdf" 2>/dev/null
    python3 "$src/tests/cases/rtl/rtl_numbers.py" "$tmp/$m.pdf" \
        "116 123" "01632 960456" "07700 900123" || fails=$((fails + 1))
done
finish
