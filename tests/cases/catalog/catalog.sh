#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/catalog/catalog.sh: `kinletter catalog`: exit codes, file:line findings, JSON,
# stamp, XLIFF round trip and a corrupted import, pseudo-locales, --locales for render.
# Usage: catalog.sh KINLETTER SOURCE_ROOT
set -u
kl=$1
src=$2
. "$(dirname "$0")/../lib.sh"

# A working copy of the planted-problem catalogs.
mkdir "$tmp/cat"
cp "$src"/tests/data/catalog/*.txt "$src"/tests/data/catalog/*.tsv "$tmp/cat/"

# check: findings with file:line, exit 1; usage errors exit 2.
run 1 check-findings catalog check --locales "$tmp/cat" pl
expect out "pl.txt:9:24: error: \[syntax\] standard 't.title': the '{' that starts a placeholder is never closed" check-syntax
expect out "pl.txt:11:21: error: \[arg-missing\] standard 't.body' does not use {address}" check-arg
expect out "pl.txt:12:22: error: \[plural\]" check-plural
expect out "pl.txt:13:[0-9]*: error: \[no-other\]" check-other
expect out "pl.txt:16:9: error: \[stale\] standard 't.changed'" check-stale
expect out "English then: Please ring {contactName}." check-stale-old
expect out "English now:  Please call {contactName}." check-stale-new
expect out "1 error\|errors" check-summary
run 2 check-unknown-locale catalog check --locales "$tmp/cat" fr
run 2 check-bad-option catalog check --frobnicate
run 2 check-no-subcommand catalog frobnicate

# machine-readable: one JSON object a line
run 1 check-json catalog check --locales "$tmp/cat" --json pl
if ! python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
stale = [r for r in rows if r["kind"] == "stale"]
assert stale and stale[0]["line"] == 16 and stale[0]["old_english"] == "Please ring {contactName}.", stale
assert all(r["file"].endswith("pl.txt") for r in rows)
' "$tmp/out"; then
    fail "check-json: not the JSON expected"
fi

# stamp changes catalogs: needs --locales (or KINLETTER_LOCALES)
run 2 stamp-needs-dir env -u KINLETTER_LOCALES "$kl" catalog stamp pl
run 0 stamp catalog stamp --locales "$tmp/cat" pl t.changed
KINLETTER_LOCALES="$tmp/cat" run 1 check-after-stamp catalog check pl
if grep -q "\[stale\]" "$tmp/out"; then
    fail "stamp: t.changed is still stale"
fi

# status: a row per catalog, letter and variant
run 0 status catalog status --locales "$src/locales"
expect out "^pl  *notification  *standard" status-row
run 0 status-json catalog status --locales "$src/locales" --json
expect out '"locale":"pl","letter":"notification","variant":"young_person"' status-json-row

# XLIFF: export, import of the same file changes nothing (byte for byte)
mkdir "$tmp/loc"
cp "$src"/locales/*.txt "$src"/locales/*.tsv "$tmp/loc/"
cp "$tmp/loc/pl.txt" "$tmp/pl.before"
run 0 export catalog export --locales "$tmp/loc" pl -o "$tmp/pl.xlf"
expect pl.xlf 'trgLang="pl"' export-lang
expect pl.xlf '<note category="arguments">{reviewId}: the review' export-notes
expect pl.xlf '<note category="location">templates/notification.xml' export-location
run 0 import catalog import --locales "$tmp/loc" "$tmp/pl.xlf"
if ! cmp -s "$tmp/pl.before" "$tmp/loc/pl.txt"; then
    echo "FAIL import: the round trip changed pl.txt"
    diff "$tmp/pl.before" "$tmp/loc/pl.txt" | head
    fails=$((fails + 1))
fi
# a corrupted file changes nothing, and says where
sed 's/<ph id="1" equiv="{reviewId}" disp="{reviewId}"\/><\/target>/<\/target>/' "$tmp/pl.xlf" >"$tmp/bad.xlf"
run 2 import-bad catalog import --locales "$tmp/loc" "$tmp/bad.xlf"
expect err "bad.xlf:[0-9]*:[0-9]*: error: unit 'common.reference' does not use {reviewId}" import-bad-where
expect err "nothing was changed" import-bad-nothing
head -c 3000 "$tmp/pl.xlf" >"$tmp/cut.xlf"
run 2 import-cut catalog import --locales "$tmp/loc" "$tmp/cut.xlf"
if ! cmp -s "$tmp/pl.before" "$tmp/loc/pl.txt"; then
    fail "import-bad: pl.txt changed"
fi

# pseudo-locales
run 0 pseudo catalog pseudo --locales "$src/locales" en-XA
expect out '"common.reference" { "\[Öûŕ ŕéƒéŕéñçé: ~~~~~~ {reviewId}\]" }' pseudo-en-XA
run 2 pseudo-unknown catalog pseudo --locales "$src/locales" fr-XA

# render from text sources: compiled privately, and a change shows at once
sed 's/"Z wyrazami szacunku"/"Z poważaniem (working copy)"/' "$tmp/loc/pl.txt" >"$tmp/pl.new"
mv "$tmp/pl.new" "$tmp/loc/pl.txt"
run 0 render-locales render -m m01 -f txt --locales "$tmp/loc"
expect out "Z poważaniem (working copy)" render-working-copy
KINLETTER_LOCALES="$tmp/loc" run 0 render-env render -m m01 -f txt
expect out "Z poważaniem (working copy)" render-env-working-copy
# fit: the pseudo-locale is 40% longer, so some letters grow by 2 pages or more
run 1 fit-pseudo catalog fit en-XA
expect out "^notification  *very-large .* pages more than the English" fit-pages
run 0 fit-pl catalog fit pl
# a word too long for a line at 24 pt
sed 's/"Z poważaniem (working copy)"/"Zpoważaniemzpoważaniemzpoważaniemzpoważaniemzpoważaniem"/' \
    "$tmp/loc/pl.txt" >"$tmp/pl.new"
mv "$tmp/pl.new" "$tmp/loc/pl.txt"
run 1 fit-long-word catalog fit pl --locales "$tmp/loc"
expect out "a word too long for a line at 24 pt: Zpoważaniemzpoważaniem" fit-word

# a broken working copy: what is wrong, at its line and column (not genrb's words)
printf 'pl {\n    standard {\n        "x" { "unterminated }\n    }\n}\n' >"$tmp/loc/pl.txt"
run 2 render-broken render -m m01 -f txt --locales "$tmp/loc"
expect err "pl.txt:3:[0-9]*: error: unterminated string" render-broken-where

finish "all catalog cases passed"
