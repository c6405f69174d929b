#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/pdfua/run.sh: every letter of the bundled example review (all four templates,
# every member: every language, print size and channel) is generated, then each PDF is read
# back by an independent reader (pikepdf) and checked against the PDF/UA-1 rules in
# docs/ACCESSIBILITY.md. The checker itself is first shown to catch each broken rule.
# Usage: run.sh KINLETTER SOURCE_ROOT
set -u
kl=$1
src=$2
py=/usr/bin/python3 # Debian's python: python3-pikepdf lives there
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

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
    echo "FAIL: only $n PDFs were generated"
    fails=$((fails + 1))
fi

# The checker must catch every rule it claims to check.
first=$(grep -- '-post.pdf$' "$tmp/pdfs" | head -n 1)
if [ -z "$first" ] || ! "$py" "$src/tests/cases/pdfua/pdfua_selftest.py" "$first" "$tmp" >"$tmp/self.log" 2>&1; then
    echo "FAIL: the PDF/UA checker's self-test"
    cat "$tmp/self.log"
    fails=$((fails + 1))
fi

# shellcheck disable=SC2046
if ! "$py" "$src/tests/cases/pdfua/pdfua_check.py" $(cat "$tmp/pdfs") >"$tmp/check.log" 2>&1; then
    echo "FAIL: PDF/UA problems"
    fails=$((fails + 1))
fi
cat "$tmp/check.log"

echo "$((7 - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
