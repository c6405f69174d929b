#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cases/braille/braille.sh KINLETTER SOURCE_ROOT BRF_BACK: braille letters
# (needs format="braille", issue 22 item 5).
#
# The bundled example's blind grandparent (m11, English) gets m11-braille.brf and no print
# letter; the record, the summary and the print pack say so. Then a copy of the example
# where the Polish mother (m01) and the Welsh grandmother (m04, Welsh only) need braille
# too, and the carer (m09) writes Somali, for which liblouis has no table. Every BRF is
# checked by brf_check.py: North American Braille ASCII only, lines of at most 40 cells,
# pages of at most 25 lines, numbered; back-translated by liblouis, its words are the
# plain-text letter's (the share is printed). Somali fails closed naming the member, and
# `kinletter check` says so first.
set -u
kl=$(realpath "$1")
src=$2
back=$(realpath "$3")
py=/usr/bin/python3
. "$(dirname "$0")/../lib.sh"
cp -r "$src/templates/example" "$tmp/example"
cd "$tmp/example" || exit 1

# 1. The example: m11 in UEB grade 2.
"$kl" generate review.xml --date 2026-11-27 -o "$tmp/out" >"$tmp/log" 2>&1
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "generate exited $rc: $(cat "$tmp/log")"
dir="$tmp/out/NSCP-2026-017/notification"
[ -f "$dir/m11-braille.brf" ] || fail "m11-braille.brf was not written"
[ "$(stat -c %a "$dir/m11-braille.brf" 2>/dev/null)" = 600 ] || fail "m11-braille.brf is not 0600"
if ls "$dir" | grep -q '^m11-.*\.pdf$'; then fail "m11 got a print letter as well"; fi
tr -d '\r' <"$dir/record.csv" >"$tmp/record.csv"
grep -q '^m11,.*,post,m11-braille.brf,[1-9][0-9]*,[0-9a-f]\{64\},written,,braille$' "$tmp/record.csv" ||
    fail "record.csv does not list m11-braille.brf with its braille pages and format"
grep -q '^m01,.*,written,.*,print$' "$tmp/record.csv" || fail "record.csv: m01's format is not print"
grep -qx 'file m11-braille.brf' "$dir/.kinletter-manifest" || fail "the manifest does not list m11-braille.brf"
grep -q '^m11 .*written in braille, [1-9][0-9]* braille pages' "$tmp/log" || fail "summary: m11 not in braille"
grep -q '^  m11 *m11-braille.brf *[1-9][0-9]* braille pages (en-GB)' "$tmp/log" ||
    fail "summary: no braille report line for m11"
pdftotext -f 1 -l 1 "$dir/print-pack.pdf" - >"$tmp/pack1.txt" 2>/dev/null
grep -q 'Braille letters: send to the transcription or' "$tmp/pack1.txt" &&
    grep -q 'm11-braille.brf: member m11, en-GB, [1-9][0-9]* braille pages, by post' "$tmp/pack1.txt" &&
    grep -q 'proof it' "$tmp/pack1.txt" ||
    fail "the print pack's first page does not list m11-braille.brf for the embossing service"
"$kl" render review.xml -m m11 -f txt --date 2026-11-27 >"$tmp/m11.txt" 2>/dev/null || fail "render m11 txt"
# The address block is not in the braille (the service addresses the envelope).
$py "$src/tests/cases/braille/brf_check.py" "$back" en-ueb-g2.ctb "$dir/m11-braille.brf" "$tmp/m11.txt" 97 \
    3 Orchard Way NT3 4PL || fails=$((fails + 1))
if grep -q 'ORC/>D' "$dir/m11-braille.brf"; then fail "m11-braille.brf holds the address"; fi
# `render --format brf` (kl_letter_render_brf) gives the same bytes as generate.
"$kl" render review.xml -m m11 -f brf --date 2026-11-27 -o "$tmp/m11.brf" 2>"$tmp/render.err" ||
    fail "render -f brf: $(cat "$tmp/render.err")"
cmp -s "$tmp/m11.brf" "$dir/m11-braille.brf" || fail "render -f brf differs from generate's m11-braille.brf"
grep -q 'note: braille letter of [1-9][0-9]* pages' "$tmp/render.err" || fail "render -f brf: no page count"

# readability gives each braille letter's length in braille pages.
"$kl" readability review.xml >"$tmp/read.log" 2>&1
grep -q '^m11: notification letter in braille (BRF): [1-9][0-9]* braille pages of 40 cells by 25 lines' \
    "$tmp/read.log" || fail "readability: no braille page count for m11"

# check shows the format before anything is generated.
"$kl" check review.xml >"$tmp/check0.log" 2>&1
grep -q '^m11 .*braille (BRF) ' "$tmp/check0.log" || fail "check does not show m11's braille"

# 2. Polish (pl.tbl), Welsh (cy-cy-g2.ctb) and Somali (no table).
sed -e 's|<needs print="large" reading="plain"/>|<needs print="large" reading="plain" format="braille"/>|' \
    -e 's|<language locale="cy" also="en-GB"/>|<language locale="cy"/>|' \
    -e 's|<needs print="very-large"/>|<needs format="braille"/>|' \
    -e 's|<language locale="pa" also="en-GB"/>|<language locale="so"/>|' \
    -e 's|<needs reading="plain"/>|<needs reading="plain" format="braille"/>|' review.xml >braille.xml
[ "$(grep -c 'format="braille"' braille.xml)" = 4 ] || fail "the test review was not made"
"$kl" check braille.xml >"$tmp/check.log" 2>&1
[ $? = 1 ] || fail "check did not fail for the Somali braille member"
grep -q "braille.xml:[0-9]*:[0-9]*: error: member m09: .*liblouis has no 6-dot braille table for the language 'so'" \
    "$tmp/check.log" || fail "check does not name m09 and Somali: $(grep m09 "$tmp/check.log")"
"$kl" generate braille.xml --date 2026-11-27 -m m01 -m m04 -m m09 -o "$tmp/out2" >"$tmp/log2" 2>&1
[ $? = 1 ] || fail "generate did not report the Somali member as failed"
dir2="$tmp/out2/NSCP-2026-017/notification"
tr -d '\r' <"$dir2/record.csv" |
    grep -q "^m09,.*,post,,,,failed,liblouis has no 6-dot braille table for the language 'so'.*,braille$" ||
    fail "record.csv does not say why m09 failed"
if ls "$dir2" | grep -q '^m09-'; then fail "files written for m09"; fi
if grep -q 'Jas\|Sandhu\|Mill Lane\|NT4 1RS' "$tmp/log2" "$tmp/check.log"; then
    fail "a message quotes m09's personal data"
fi
"$kl" render braille.xml -m m01 -f txt --date 2026-11-27 >"$tmp/m01.txt" 2>/dev/null || fail "render m01 txt"
$py "$src/tests/cases/braille/brf_check.py" "$back" pl.tbl "$dir2/m01-braille.brf" "$tmp/m01.txt" 97 \
    12 Elm Road NT2 7QP || fails=$((fails + 1))
"$kl" render braille.xml -m m04 -f txt --date 2026-11-27 >"$tmp/m04.txt" 2>/dev/null || fail "render m04 txt"
# liblouis reads Welsh grade 2 back less well than it writes it (a full stop after a word,
# "ae", some contractions): the share is lower, and printed.
$py "$src/tests/cases/braille/brf_check.py" "$back" cy-cy-g2.ctb "$dir2/m04-braille.brf" "$tmp/m04.txt" 75 \
    Bwthyn y Nant LL1 2DE || fails=$((fails + 1))
finish "braille: all checks passed"
