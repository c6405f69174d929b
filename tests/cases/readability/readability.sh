#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/readability/readability.sh: `kinletter readability`: the table, JSON, findings, exit codes.
# Usage: readability.sh KINLETTER SOURCE_ROOT PLANTED_LOCALES_DIR
set -u
kl=$1
src=$2
planted_locales=$3
here=$src/tests/cases/readability
. "$(dirname "$0")/../lib.sh"
kl_command=readability

# The example's English letters are all within the thresholds: one row a letter.
run 0 english --locale en-GB
expect out "^member *letter *lang *variant *sent *words *avg *max *Flesch *grade *LIX *over *avoid *kind *result" english
expect out "^m03 *notification *en-GB *young-person .* ok$" english
expect out "^m04 *outcome *en-GB *standard .* ok$" english
expect out "^m09 *update *en-GB *plain .* ok$" english
expect out "^m11 *notification *en-GB *standard .* ok$" english
expect out "^m10 *notification *en-GB *easy-read .* ok$" english
expect out "letters measured: 20 within every threshold, 0 with findings" english
if grep -q "^m01 " "$tmp/out"; then
    fail "english: --locale en-GB shows the Polish letters"
fi

# Every variant of every English letter for one member, as JSON a program can read.
for v in standard plain young-person easy-read; do
    run 0 "json-$v" --locale en --member m03 --variant "$v" --json
    if ! python3 - "$tmp/out" "$v" <<'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["ok"] is True and doc["measured"] == 4, doc
limits = {"standard": (25, 60), "plain": (20, 70), "young-person": (15, 75),
          "easy-read": (12, 75)}[sys.argv[2]]
for letter in doc["letters"]:
    assert letter["variant"] == sys.argv[2], letter
    for s in letter["sections"]:
        assert s["limit"] == limits[0] and s["longest"] <= limits[0], s
        assert s["min_flesch"] == limits[1] and s["flesch"] >= limits[1], s
        assert s["word_list"] is True and s["avoid_hits"] == 0, s
PY
        echo "FAIL json-$v: JSON does not hold"
        sed 's/^/  out: /' "$tmp/out"
        fails=$((fails + 1))
    fi
done

# A braille member's letters carry their length in braille pages in the JSON too, the same
# figures as the text output's notes; a print member's letters carry none.
run 0 braille-text --member m11
cp "$tmp/out" "$tmp/braille-text"
run 0 braille-json --member m11 --json
if ! python3 - "$tmp/out" "$tmp/braille-text" <<'PY'; then
import json, re, sys
doc = json.load(open(sys.argv[1]))
text = dict(re.findall(r"^m11: (\w+) letter in braille \(BRF\): (\d+) braille pages?",
                       open(sys.argv[2]).read(), re.M))
got = {l["template"]: l["braille_pages"] for l in doc["letters"]}
assert len(got) == 4 and all(isinstance(n, int) and n >= 1 for n in got.values()), got
assert got == {k: int(v) for k, v in text.items()}, (got, text)
PY
    echo "FAIL braille-json: no braille page count per letter, or not the text output's"
    sed 's/^/  out: /' "$tmp/out"
    fails=$((fails + 1))
fi
run 0 print-json --member m03 --json
if grep -q braille_pages "$tmp/out"; then
    fail "print-json: a print member's letter has a braille page count"
fi

# A member with only text messages, and one not contacted, are named, not skipped silently.
run 1 notes
expect out "^m08: text messages only: no letter to measure" notes
expect out "^m05: not contacted" notes
expect out "^pl: no word list for this language" notes

# Planted problems are each reported with their message id.
run 1 planted --template "$here/planted.xml" --locales "$planted_locales" --member m03 --variant plain
expect out "^m03 *planted *en-GB *plain .* FINDINGS$" planted
expect out "cold or blaming word \"the deceased\" in planted.cold" planted
expect out "long sentence, 30 words in planted.long: .*plain limit of 20" planted
expect out "abbreviation \"MASH\" in planted.abbr" planted
expect out "kindness in planted.heading: the letter explains the review before it offers condolence" planted
if grep -q "planted.fine\|\"GP\"" "$tmp/out"; then
    fail "planted: a sound message or a known abbreviation is reported"
fi
run 1 planted-json --template "$here/planted.xml" --locales "$planted_locales" --member m03 --variant plain --json
if ! python3 - "$tmp/out" <<'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
found = {(f["kind"], f["msgid"]) for l in doc["letters"] for f in l["findings"]}
want = {("cold", "planted.cold"), ("long_sentence", "planted.long"),
        ("abbreviation", "planted.abbr"), ("kindness", "planted.heading")}
assert doc["ok"] is False and found == want, found
PY
    echo "FAIL planted-json: findings differ"
    sed 's/^/  out: /' "$tmp/out"
    fails=$((fails + 1))
fi

# Usage and input errors.
run 2 bad-variant --variant easy
expect err "kinletter: error: --variant needs standard, plain, young-person or easy-read" bad-variant
run 2 bad-option --frobnicate
run 2 no-member --member nobody
expect err "no member 'nobody'" no-member
run 2 no-review "$tmp/missing.xml"
run 0 help --help
expect out "Usage: kinletter readability" help

finish "all readability CLI cases passed"
