#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/pdfua/run.sh: every letter of the bundled example review (all four templates,
# every member: every language, print size and channel) is generated, then each PDF is read
# back by an independent reader (pikepdf) and checked against the PDF/UA-1 rules in
# docs/ACCESSIBILITY.md. The checker itself is first shown to catch each broken rule, and
# the structure is shown not to depend on the print size (pdfua_reflow.py).
# Usage: run.sh KINLETTER SOURCE_ROOT
set -u
kl=$1
src=$2
py=/usr/bin/python3 # Debian's python: python3-pikepdf lives there
. "$(dirname "$0")/../lib.sh"

for t in notification invitation update outcome; do
    if ! "$kl" generate --template "$t" -o "$tmp/out" --quiet >"$tmp/gen-$t.log" 2>&1; then
        echo "FAIL: generate --template $t did not write every member's letters"
        cat "$tmp/gen-$t.log"
        fails=$((fails + 1))
    fi
done

find "$tmp/out" -name '*.pdf' | sort >"$tmp/pdfs"
n=$(wc -l <"$tmp/pdfs")
# 8 PDF letters per template (post, email, via-professional and its cover note)
# plus the print pack: anything fewer means letters went missing.
if [ "$n" -lt 36 ]; then
    fail "only $n PDFs were generated"
fi

review=$src/templates/example/review.xml

# The checker must catch every rule it claims to check. Good letters to break: a
# one-language letter (m01, pl), a bilingual one in one script (m04, cy + en-GB), a
# bilingual one in two scripts (m09, pa + en-GB), a right-to-left one (m06, ar) and a
# right-to-left one whose contact table is side by side (m07, ur, standard print).
d=$(dirname "$(grep -- '/notification/m01-post.pdf$' "$tmp/pdfs" | head -n 1)")
mkdir -p "$tmp/self"
if ! "$py" "$src/tests/cases/pdfua/pdfua_selftest.py" "$review" "$tmp/self" \
    "$d/m01-post.pdf" "$d/m04-post.pdf" "$d/m09-post.pdf" "$d/m06-post.pdf" "$d/m07-email.pdf" \
    >"$tmp/self.log" 2>&1; then
    echo "FAIL: the PDF/UA checker's self-test"
    cat "$tmp/self.log"
    fails=$((fails + 1))
fi
tail -n 1 "$tmp/self.log"

# Every PDF of every template; letters in the member's language(s) from the review.
# shellcheck disable=SC2046
if ! "$py" "$src/tests/cases/pdfua/pdfua_check.py" --review "$review" $(cat "$tmp/pdfs") >"$tmp/check.log" 2>&1; then
    fail "PDF/UA problems"
fi
cat "$tmp/check.log"

# Glyph widths consistent with the font programs (PDF/UA-1 7.21.5): every code's /W width
# is the advance of the glyph it draws in the embedded font (read with fontTools).
# shellcheck disable=SC2046
if ! "$py" "$src/tests/cases/pdfua/pdfua_widths.py" --self-test "$d/m06-post.pdf" >"$tmp/widths.log" 2>&1 ||
    ! "$py" "$src/tests/cases/pdfua/pdfua_widths.py" $(cat "$tmp/pdfs") >>"$tmp/widths.log" 2>&1; then
    fail "glyph widths in /W differ from the embedded font programs"
fi
tail -n 40 "$tmp/widths.log"

# Large print: at 14, 18, 20 and 24 pt the structure tree (roles, languages, text) is
# the same, so a reader that reflows the page keeps the order and the headings.
if ! "$py" "$src/tests/cases/pdfua/pdfua_reflow.py" "$kl" "$src/templates/example" "$tmp" \
    m01 m04 m06 m07 m09 >"$tmp/reflow.log" 2>&1; then
    fail "the structure changes with the print size"
fi
cat "$tmp/reflow.log"

# Review free text inside a translated sentence (a free-text role in a Polish letter) is a
# Span with /Lang en-GB in the structure tree; the letters still pass the checks above.
mkdir -p "$tmp/inline"
if ! "$py" "$src/tests/cases/pdfua/pdfua_inline_lang.py" "$kl" "$src/templates/example" \
    "$tmp/inline" >"$tmp/inline.log" 2>&1; then
    fail "free text inside a translated sentence is not marked English"
fi
cat "$tmp/inline.log"

echo "$((10 - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
