#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/check/check.sh: `kinletter check` exit codes, messages, and no personal data.
# Usage: check.sh KINLETTER SOURCE_ROOT
set -u
kl=$1
src=$2
. "$(dirname "$0")/../lib.sh"
kl_command=check

no_personal_data() { # name
    for secret in "Elm Road" "NT2 7QP" "Bwthyn" "Victoria Road" "900456" "900789" \
        "@mail.example" "Mill Lane"; do
        if grep -q -e "$secret" "$tmp/out" "$tmp/err"; then
            fail "$1: output shows personal data '$secret'"
        fi
    done
}

# The bundled example (no REVIEW) checks clean and names every member.
run 0 example
expect out "^m01 *mother *pl, interpreter pl *plain *large (18 pt) *post" example
expect out "^m04 *grandmother *cy + en-GB" example
expect out "not contacted: Police advice" example
expect out "^m11 *grandfather *en-GB *standard *braille (BRF) *post" example
expect out "^m10 *stepmother *en-GB *easy-read *easy-read (16 pt) *post" example
expect out "11 members: 11 ready, 0 with errors" example
# The coordinator is told which letters would go out in a draft translation.
expect out "^  cy  *DRAFT: not yet reviewed by a professional translator" example
expect out "^  en-GB  *source text" example
no_personal_data example

# The same family from a spreadsheet.
run 0 csv "$src/templates/example/review-csv.xml"
expect out "^m11 *grandfather *en-GB *standard *braille (BRF) *post" csv
expect out "^m10 *stepmother *en-GB *easy-read *easy-read (16 pt) *post" csv
expect out "11 members: 11 ready" csv
no_personal_data csv

# A member with many contacts: the summary names every channel, however long the list (it
# was cut at 95 characters).
mkdir "$tmp/many"
awk '{ print } /phone="07700 900456"/ { for (i = 0; i < 14; i++)
    printf "      <contact channel=\"email\" email=\"k%d@mail.example\"/>\n", i }' \
    "$src/templates/example/review.xml" >"$tmp/many/review.xml"
run 0 many-contacts --no-letters "$tmp/many/review.xml"
expect out "^m03 .* email, sms\(, email\)\{14\}$" many-contacts

# One member's mistake: exit 1, the message points at the line, the rest is ready.
run 1 bad-member "$src/tests/data/review/bad-member.xml"
expect err "^kinletter: .*bad-member.xml:66:30: error: member m03: the phone number is not a UK mobile number (" bad-member
expect out "^m03 .*NOT READY" bad-member
expect out "9 members: 8 ready, 1 with errors" bad-member
no_personal_data bad-member

# A member with no id (a mistake a coordinator can make in Word): reported at its line, the
# others' letters still checked; it crashed check when the letters were made.
mkdir "$tmp/noid"
sed 's/<member id="m02" /<member /' "$src/templates/example/review.xml" >"$tmp/noid/review.xml"
cp "$src/templates/example/"*.png "$src/templates/example/"*.csv "$tmp/noid/" 2>/dev/null
run 1 no-id "$tmp/noid/review.xml"
expect err "review.xml:[0-9]*:[0-9]*: error: member (no id): <member> needs the attribute 'id'" no-id
expect out "ready, 1 with errors" no-id

# --quiet prints problems only.
run 1 quiet --quiet "$src/tests/data/review/bad-member.xml"
if [ -s "$tmp/out" ]; then
    fail "quiet: printed a summary"
fi

# A broken file: exit 2 with file:line:col.
run 2 not-well-formed "$src/tests/data/review/not-well-formed.xml"
expect err "^kinletter: .*not-well-formed.xml:6:10: error: not well-formed XML" not-well-formed

# A missing file and usage errors: exit 2.
run 2 missing "$tmp/nonexistent.xml"
expect err "nonexistent.xml: error: cannot open" missing
run 2 unknown-option --colour
run 2 two-files a.xml b.xml
run 0 help --help
expect out "^Usage: kinletter check" help

# Every command answers --help and --version.
for c in check render generate catalog readability; do
    if ! "$kl" "$c" --help >"$tmp/out" 2>&1 || ! grep -q "^Usage: kinletter $c" "$tmp/out"; then
        fail "$c --help"
    fi
    if ! "$kl" "$c" --version >"$tmp/out" 2>&1 || ! grep -q "^kinletter [0-9]" "$tmp/out"; then
        fail "$c --version"
    fi
done

finish
