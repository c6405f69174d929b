#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/catalog/exchange.sh: translators' exchange files (issue 19) with real tools as
# the oracle: gettext's msgfmt accepts every PO export; translate-toolkit reads every unit of
# the PO and XLIFF 1.2 exports with the right source, target and state; every shipped catalog
# round-trips through all three formats without a change; three units edited with
# translate-toolkit (PO for pl, XLIFF 1.2 for ar) change exactly those messages; a damaged
# inline code is refused with file:line:col and nothing changes; pofilter finds no damaged
# placeholder in any PO export and flags a renamed one; catalog init, status LOCALE,
# the length limit and a standard message deleted beside its plain version.
# Usage: exchange.sh KINLETTER SOURCE_ROOT
set -u
kl=$1
src=$2
py=/usr/bin/python3
if ! command -v msgfmt >/dev/null || ! "$py" -c 'import translate.storage.factory' 2>/dev/null; then
    echo "SKIP: needs gettext (msgfmt) and translate-toolkit (.ci/deps)"
    exit 77
fi
. "$(dirname "$0")/../lib.sh"
ext() { # format -> file extension translate-toolkit knows
    case $1 in po) echo po ;; xliff12) echo xlf ;; *) echo xml ;; esac
}

cp -r "$src/locales" "$tmp/loc"
mkdir "$tmp/fonts" && cp "$src/fonts/fonts.xml" "$tmp/fonts/"
cp -r "$src/locales" "$tmp/orig"

# Every shipped catalog: three formats, each imported back unchanged; msgfmt and the toolkit
# agree with our XLIFF 2.0 on the units.
for f in "$tmp"/loc/*.txt; do
    L=$(basename "$f" .txt)
    [ "$L" = en_GB ] && continue
    grep -q 'status { "pseudo" }' "$f" && continue
    for fmt in po xliff12 xliff20; do
        if ! "$kl" catalog export --locales "$tmp/loc" "$L" --format $fmt -o "$tmp/$L.$(ext $fmt)" 2>"$tmp/err"; then
            fail "export $L $fmt: $(head -3 "$tmp/err")"
            continue
        fi
        if ! "$kl" catalog import --locales "$tmp/loc" "$tmp/$L.$(ext $fmt)" >"$tmp/out" 2>"$tmp/err" ||
            ! grep -q "catalog import: 0 changes" "$tmp/err"; then
            fail "round trip $L $fmt: $(grep -v 'characters at its longest' "$tmp/err" | head -3)"
        fi
    done
    if ! msgfmt --check-format -c -o /dev/null "$tmp/$L.po" 2>"$tmp/err"; then
        fail "msgfmt rejects $L.po: $(head -3 "$tmp/err")"
    fi
    if ! "$py" - "$tmp/$L.po" "$tmp/$L.xlf" "$tmp/$L.xml" >"$tmp/out" 2>&1 <<'PY'; then
import sys
import xml.etree.ElementTree as ET
from translate.storage import factory
po, x12, x20 = (open(p, "rb") for p in sys.argv[1:4])
pof = factory.getobject(po)
xf = factory.getobject(x12)
ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
root = ET.parse(x20).getroot()
ours = {}
for f in root.findall("x:file", ns):
    for u in f.findall("x:unit", ns):
        seg = u.find("x:segment", ns)
        ours[f.get("id") + ":" + u.get("id")] = seg.get("state")
pou = [u for u in pof.units if not u.isheader()]
xu = [u for u in xf.units if not u.isheader()]
assert len(pou) == len(ours), ("po units", len(pou), len(ours))
assert len(xu) == len(ours), ("xliff 1.2 units", len(xu), len(ours))
bypo = {u.getcontext(): u for u in pou}
for u in xu:
    file_id, unit_id = u.getid().split("\x04")
    key = file_id + ":" + unit_id
    p = bypo[key]
    assert u.source == p.source, (key, u.source, p.source)
    assert (u.target or "") == (p.target or ""), (key, u.target, p.target)
    done = ours[key] in ("translated", "reviewed")
    # translated and confirmed: approved in XLIFF 1.2, not fuzzy in PO
    assert done == (p.istranslated() and not p.isfuzzy()), (key, ours[key])
    assert done == u.isapproved(), (key, ours[key])
    if unit_id.endswith(".sms"):
        assert u.xmlelement.get("maxwidth") and u.xmlelement.get("size-unit") == "char", key
        assert "GSM-7" in p.getnotes(), key
PY
        fail "translate-toolkit on $L: $(tail -3 "$tmp/out")"
    fi
done
# translate-toolkit's pocount counts as many messages in the PO and XLIFF 1.2 files as we
# wrote units, and the same translated, fuzzy and untranslated ones in both.
for L in pl ar; do
    units=$(grep -c '<unit id=' "$tmp/$L.xml")
    pocount --csv "$tmp/$L.po" "$tmp/$L.xlf" 2>/dev/null | awk -F', *' 'NR > 1 {print $2, $5, $7, $9}' >"$tmp/count"
    [ "$(wc -l <"$tmp/count")" = 2 ] && [ "$(sort -u "$tmp/count" | wc -l)" = 1 ] &&
        [ "$(awk '{print $4}' "$tmp/count" | sort -u)" = "$units" ] ||
        fail "pocount $L: $(cat "$tmp/count") (we wrote $units units)"
done
# translate-toolkit's pofilter, the checks a PO translator runs: on every shipped catalog's PO
# export, no placeholder, URL, email address, escape or line break differs between the English
# and the translation. (pofilter reads {x} as a Python brace placeholder: it cannot parse ICU
# select and plural frames, whose forms legitimately differ, so those messages are left to
# `kinletter catalog check`.) Then one placeholder renamed in the Polish PO: pofilter flags
# exactly that message and our import refuses the file.
checks="-t variables -t pythonbraceformat -t urls -t emails -t escapes -t newlines -t printf -t xmltags"
for f in "$tmp"/loc/*.txt; do
    L=$(basename "$f" .txt)
    [ -f "$tmp/$L.po" ] || continue
    # shellcheck disable=SC2086
    pofilter --progress=none $checks "$tmp/$L.po" "$tmp/$L.pofilter.po" 2>/dev/null
    "$py" - "$tmp/$L.pofilter.po" >"$tmp/out" 2>&1 <<'PY' || fail "pofilter $L: $(tail -3 "$tmp/out")"
import sys
from translate.storage import factory
bad = [u.getcontext() for u in factory.getobject(sys.argv[1]).units if not u.isheader()
       and not any(k in (u.source or "") + (u.target or "") for k in ("select,", "plural,"))]
assert not bad, bad[:5]
PY
done
sed 's/Strona {page} z {pages}/Strona {page} z {pagez}/' "$tmp/pl.po" >"$tmp/pl-bad.po"
cmp -s "$tmp/pl.po" "$tmp/pl-bad.po" && fail "pofilter: the Polish page footer was not found to damage"
pofilter --progress=none -t pythonbraceformat "$tmp/pl-bad.po" "$tmp/pl-bad.pofilter.po" 2>/dev/null
"$py" - "$tmp/pl-bad.pofilter.po" >"$tmp/out" 2>&1 <<'PY' || fail "pofilter missed a renamed placeholder: $(tail -3 "$tmp/out")"
import sys
from translate.storage import factory
got = [u.getcontext() for u in factory.getobject(sys.argv[1]).units if not u.isheader()
       and not any(k in (u.source or "") + (u.target or "") for k in ("select,", "plural,"))]
assert got == ["standard:common.page"], got
PY
cp -r "$tmp/loc" "$tmp/loc-bad"
"$kl" catalog import --locales "$tmp/loc-bad" "$tmp/pl-bad.po" 2>"$tmp/err" && fail "a PO with a renamed placeholder was imported"
grep -q "pl-bad.po:[0-9]*:[0-9]*: error: .*pagez" "$tmp/err" || fail "renamed placeholder: $(head -2 "$tmp/err")"
diff -r "$tmp/loc" "$tmp/loc-bad" >/dev/null || fail "a refused import changed a catalog"

# TMX: translate-toolkit reads one unit per confirmed translation, with the same English and
# translation as the XLIFF 1.2 file; import refuses a TMX file (it is a memory, not a catalog).
for L in pl ar; do
    "$kl" catalog export --locales "$tmp/loc" "$L" --format tmx -o "$tmp/$L.tmx" 2>/dev/null || fail "export $L tmx"
    "$py" - "$tmp/$L.tmx" "$tmp/$L.xlf" >"$tmp/out" 2>&1 <<'PY' || fail "TMX $L: $(tail -3 "$tmp/out")"
import sys
from translate.storage import factory
tmx = factory.getobject(sys.argv[1])
xlf = factory.getobject(sys.argv[2])
want = sorted((u.source, u.target) for u in xlf.units if u.isapproved() and not u.isheader())
got = sorted((u.source, u.target) for u in tmx.units)
assert want and got == want, (len(got), len(want))
PY
done
"$kl" catalog import --locales "$tmp/loc" "$tmp/pl.tmx" 2>"$tmp/err" && fail "a TMX file was imported"
grep -q "pl.tmx:1:1: error: a TMX file is a translation memory" "$tmp/err" || fail "TMX import: $(head -2 "$tmp/err")"
if ! diff -r "$tmp/orig" "$tmp/loc" >/dev/null; then
    fail "importing unchanged exports changed a catalog: $(diff -r "$tmp/orig" "$tmp/loc" | head -5)"
fi

# Three units edited with translate-toolkit: exactly those messages change (pl: PO, ar: XLIFF 1.2).
edit() { # file format
    "$py" - "$1" "$2" <<'PY'
import sys
from translate.storage import factory
path, fmt = sys.argv[1], sys.argv[2]
store = factory.getobject(path)
done = 0
for u in store.units:
    if u.isheader() or not u.target or "{" in u.source or u.isfuzzy():
        continue
    u.target = u.target + " (zmiana %d)" % done
    done += 1
    if done == 3:
        break
store.save()
PY
}
targets() { # file: context<TAB>target of every unit, by translate-toolkit
    "$py" - "$1" <<'PY'
import sys
from translate.storage import factory
for u in factory.getobject(sys.argv[1]).units:
    if not u.isheader():
        print(u.getid().replace("\x04", ":") + "\t" + (u.target or ""))
PY
}
for pair in pl:po ar:xliff12; do
    L=${pair%%:*}
    fmt=${pair#*:}
    cp "$tmp/loc/$L.txt" "$tmp/$L.before"
    cp "$tmp/$L.$(ext $fmt)" "$tmp/$L.edited.$(ext $fmt)"
    edit "$tmp/$L.edited.$(ext $fmt)" "$fmt" || fail "edit $L"
    if ! "$kl" catalog import --locales "$tmp/loc" "$tmp/$L.edited.$(ext $fmt)" 2>"$tmp/err"; then
        fail "import edited $L: $(head -3 "$tmp/err")"
        continue
    fi
    "$kl" catalog export --locales "$tmp/loc" "$L" --format $fmt -o "$tmp/$L.after.$(ext $fmt)" 2>/dev/null
    targets "$tmp/$L.$(ext $fmt)" >"$tmp/t.before"
    targets "$tmp/$L.after.$(ext $fmt)" >"$tmp/t.after"
    n=$(diff "$tmp/t.before" "$tmp/t.after" | grep -c '^>')
    z=$(diff "$tmp/t.before" "$tmp/t.after" | grep '^>' | grep -c '(zmiana [0-2])$')
    [ "$n" = 3 ] && [ "$z" = 3 ] || fail "$L: $n messages changed ($z edited), expected exactly 3"
    n=$(diff "$tmp/$L.before" "$tmp/loc/$L.txt" | grep -c '^>')
    [ "$n" -ge 3 ] || fail "$L: the catalog file shows $n changed lines"
done

# translate-toolkit's own conversions: the XLIFF 1.2 export through xliff2po, and that PO
# through po2xliff, each come back through import with zero changes (the unit is the
# po-reference "#: standard:notification.title", the catalog the gettext header's Language);
# then one unit edited in each (pl: in the PO, ar: in po2xliff's XLIFF 1.1) changes exactly
# that message.
for L in pl ar zh_Hans; do
    "$kl" catalog export --locales "$tmp/loc" "$L" --format xliff12 -o "$tmp/$L.tt.xlf" 2>/dev/null
    xliff2po --progress=none "$tmp/$L.tt.xlf" "$tmp/$L.tt.po" 2>/dev/null || fail "xliff2po $L"
    po2xliff --progress=none "$tmp/$L.tt.po" "$tmp/$L.tt2.xlf" 2>/dev/null || fail "po2xliff $L"
    grep -q '^"Language: ' "$tmp/$L.tt.po" || fail "xliff2po $L: no Language in the PO header"
    for f in "$L.tt.po" "$L.tt2.xlf"; do
        "$kl" catalog import --locales "$tmp/loc" "$tmp/$f" 2>"$tmp/err" && grep -q "catalog import: 0 changes" "$tmp/err" ||
            fail "translate-toolkit round trip $f: $(head -3 "$tmp/err")"
    done
done
for pair in pl:tt.po ar:tt2.xlf; do
    L=${pair%%:*}
    f=$L.${pair#*:}
    "$kl" catalog export --locales "$tmp/loc" "$L" --format xliff12 -o "$tmp/$L.pre.xlf" 2>/dev/null
    "$py" - "$tmp/$f" <<'PY' || fail "edit $f"
import sys
from translate.storage import factory
store = factory.getobject(sys.argv[1])
for u in store.units:
    if not u.isheader() and u.target and "{" not in u.source and not u.isfuzzy():
        u.target = u.target + " (zmiana tt)"
        break
store.save()
PY
    "$kl" catalog import --locales "$tmp/loc" "$tmp/$f" 2>"$tmp/err" || fail "import edited $f: $(head -3 "$tmp/err")"
    "$kl" catalog export --locales "$tmp/loc" "$L" --format xliff12 -o "$tmp/$L.post.xlf" 2>/dev/null
    targets "$tmp/$L.pre.xlf" >"$tmp/t.before"
    targets "$tmp/$L.post.xlf" >"$tmp/t.after"
    n=$(diff "$tmp/t.before" "$tmp/t.after" | grep -c '^>')
    z=$(diff "$tmp/t.before" "$tmp/t.after" | grep '^>' | grep -c '(zmiana tt)$')
    [ "$n" = 1 ] && [ "$z" = 1 ] || fail "$f: $n messages changed ($z edited), expected exactly 1"
done

# A tool that writes a target's codes back bare (XLIFF 2.0 <ph id="1"/> without equiv; 1.2
# an empty <ph id="1"/>) loses nothing: the code is taken from the source's of that id.
"$kl" catalog export --locales "$tmp/loc" pl -o "$tmp/now.xml" 2>/dev/null
"$kl" catalog export --locales "$tmp/loc" ar --format xliff12 -o "$tmp/now.xlf" 2>/dev/null
sed '/<target/ s/ equiv="[^"]*" disp="[^"]*"//g' "$tmp/now.xml" >"$tmp/bare.xml"
sed '/<target/ s/<ph id="\([0-9]*\)">[^<]*<\/ph>/<ph id="\1"\/>/g' "$tmp/now.xlf" >"$tmp/bare.xlf"
grep -q '<target[^>]*>.*<ph id="1"/>' "$tmp/bare.xlf" || fail "bare.xlf: the codes were not stripped"
grep -q '<target[^>]*>.*<ph id="1"/>' "$tmp/bare.xml" || fail "bare.xml: the codes were not stripped"
for f in bare.xml bare.xlf; do
    "$kl" catalog import --locales "$tmp/loc" "$tmp/$f" 2>"$tmp/err" && grep -q "catalog import: 0 changes" "$tmp/err" ||
        fail "bare codes in $f: $(head -3 "$tmp/err")"
done

# A damaged inline code in XLIFF 2.0 is refused where it is, and nothing changes.
cp "$tmp/loc/pl.txt" "$tmp/pl.before"
sed '0,/<target xml:space="preserve">Nasz znak: <ph id="1" equiv="{reviewId}"/s//<target xml:space="preserve">Nasz znak: <ph id="1" equiv="{reviewID}"/' \
    "$tmp/pl.xml" >"$tmp/damaged.xlf"
if "$kl" catalog import --locales "$tmp/loc" "$tmp/damaged.xlf" 2>"$tmp/err"; then
    fail "a damaged inline code was imported"
fi
grep -q "damaged.xlf:[0-9]*:[0-9]*: error: unit 'common.reference' does not use {reviewId}" "$tmp/err" ||
    fail "damaged code: no file:line:col and unit: $(head -3 "$tmp/err")"
cmp -s "$tmp/pl.before" "$tmp/loc/pl.txt" || fail "a refused import changed pl.txt"

# catalog init: a new draft catalog that export, import and check accept at once.
"$kl" catalog init --locales "$tmp/loc" de 2>"$tmp/err" || fail "init de: $(head -3 "$tmp/err")"
grep -q 'status { "draft" }' "$tmp/loc/de.txt" || fail "init: de.txt is not a draft"
"$kl" catalog init --locales "$tmp/loc" de 2>/dev/null && fail "init twice succeeded"
"$kl" catalog init --locales "$tmp/loc" qq 2>/dev/null && fail "init of an unknown language succeeded"
"$kl" catalog export --locales "$tmp/loc" de --format po -o "$tmp/de.po" 2>"$tmp/err" ||
    fail "export de: $(head -3 "$tmp/err")"
msgfmt --check-format -c -o /dev/null "$tmp/de.po" 2>/dev/null || fail "msgfmt rejects de.po"
grep -q 'X-Kinletter-Status: draft' "$tmp/de.po" || fail "de.po does not carry the draft status"
"$kl" catalog import --locales "$tmp/loc" "$tmp/de.po" 2>/dev/null || fail "import de.po"
"$kl" catalog check --locales "$tmp/loc" de >"$tmp/out" 2>&1
grep -q "\[missing\] standard 'notification.title'" "$tmp/out" || fail "check de: no missing"

# status LOCALE shows that catalog only.
"$kl" catalog status --locales "$tmp/loc" pl >"$tmp/out" 2>/dev/null
[ "$(awk 'NR > 1 {print $1}' "$tmp/out" | sort -u)" = pl ] || fail "status pl shows other catalogs"
"$kl" catalog status --locales "$tmp/loc" zh-Hans >"$tmp/out" 2>/dev/null
[ "$(awk 'NR > 1 {print $1}' "$tmp/out" | sort -u)" = zh_Hans ] || fail "status zh-Hans (a language tag)"
"$kl" catalog status --locales "$tmp/loc" fr >/dev/null 2>&1
[ $? = 2 ] || fail "status of a catalog that does not exist: not a usage error"

# A standard message deleted while a plain version exists is an error; an SMS too long a warning.
cp "$tmp/orig/pl.txt" "$tmp/loc/pl.txt"
"$py" - "$tmp/loc/pl.txt" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
std = s.index("    standard {")
i = s.index('"common.interpreter"', std)
j = s.index("\n", s.index("}", s.index("{", i) + 1))
s = s[:i] + s[j + 1:]
i = s.index('"notification.sms"', s.index("    standard {"))
k = s.index('"', s.index("{", i)) + 1
s = s[:k] + "Dzień dobry. " * 20 + s[k:]
open(p, "w", encoding="utf-8").write(s)
PY
"$kl" catalog check --locales "$tmp/loc" pl >"$tmp/out" 2>&1
grep -q "error: \[missing\] standard 'common.interpreter' is not translated in standard" "$tmp/out" ||
    fail "check: standard message deleted beside plain not reported"
grep -q "warning: \[length\] standard 'notification.sms' is [0-9]* characters" "$tmp/out" ||
    fail "check: long text message not reported"

# check, import and render agree on what is missing: common.signoff deleted from every
# variant of pl is the same [missing] line from check (an error) and import (a warning, at
# the same place of the catalog), and the message render fails on.
mkdir "$tmp/gone"
cp "$tmp/orig"/*.txt "$tmp/orig"/*.tsv "$tmp/gone/" 2>/dev/null
grep -v '"common.signoff"' "$tmp/orig/pl.txt" >"$tmp/gone/pl.txt"
"$kl" catalog check --locales "$tmp/gone" pl >"$tmp/out" 2>&1
grep "\[missing\]" "$tmp/out" | sed 's/: error: /: /' >"$tmp/check.missing"
"$kl" catalog export --locales "$tmp/gone" pl --format po -o "$tmp/gone.po" 2>/dev/null
"$kl" catalog import --locales "$tmp/gone" "$tmp/gone.po" 2>"$tmp/err" || fail "import gone.po: $(head -3 "$tmp/err")"
grep "\[missing\]" "$tmp/err" | sed 's/^kinletter: //; s/: warning: /: /; s/ (translate it in the file and import again)$//' >"$tmp/import.missing"
[ "$(grep -c "standard 'common.signoff' is not translated" "$tmp/check.missing")" = 1 ] &&
    cmp -s "$tmp/check.missing" "$tmp/import.missing" ||
    fail "check and import disagree on what is missing: $(cat "$tmp/check.missing" "$tmp/import.missing")"
"$kl" render -m m01 -f txt --locales "$tmp/gone" >/dev/null 2>"$tmp/err" && fail "render without common.signoff succeeded"
grep -q "message 'common.signoff' is missing from the 'pl' catalog" "$tmp/err" ||
    fail "render does not name the missing message: $(head -3 "$tmp/err")"

# A PO file that says "reviewed" marks the catalog reviewed only when every unit is translated
# and done; otherwise the catalog stays a draft and the import says so.
mkdir "$tmp/mini"
cp "$src/tests/data/catalog/en_GB.txt" "$tmp/mini/"
"$kl" catalog init --locales "$tmp/mini" de 2>/dev/null || fail "init de (mini)"
"$kl" catalog export --locales "$tmp/mini" de --format po -o "$tmp/mini.po" 2>/dev/null
review() { # in out leave-one-empty
    "$py" - "$1" "$2" "$3" <<'PY'
import sys
from translate.storage import factory
store = factory.getobject(sys.argv[1])
units = [u for u in store.units if not u.isheader()]
for i, u in enumerate(units):
    text = u.source if u.source.startswith("{") else "DE " + u.source
    if "plural" in u.source:
        text = "{agencyCount, plural, one {# Stelle} other {# Stellen}} nahmen teil."
    u.target = "" if (sys.argv[3] == "1" and i == 0) else text
    u.markfuzzy(False)
head = store.header()
hdr = store.parseheader()
hdr["X-Kinletter-Status"] = "reviewed"
hdr["X-Kinletter-Reviewer"] = "A. Reviewer"
hdr["X-Kinletter-Reviewed"] = "2026-12-01"
store.updateheader(add=True, **{k.replace("-", "_"): v for k, v in hdr.items()})
store.savefile(sys.argv[2])
PY
}
review "$tmp/mini.po" "$tmp/mini-partial.po" 1 || fail "toolkit could not edit mini.po"
"$kl" catalog import --locales "$tmp/mini" "$tmp/mini-partial.po" 2>"$tmp/err" || fail "import partial: $(head -3 "$tmp/err")"
grep -q "the file says the catalog was reviewed, but 1 of its [0-9]* messages" "$tmp/err" ||
    fail "partial review: no warning: $(head -3 "$tmp/err")"
grep -q 'status { "draft" }' "$tmp/mini/de.txt" || fail "a partial file made the catalog reviewed"
review "$tmp/mini.po" "$tmp/mini-full.po" 0
"$kl" catalog import --locales "$tmp/mini" "$tmp/mini-full.po" 2>"$tmp/err" || fail "import full: $(head -3 "$tmp/err")"
grep -q 'status { "reviewed" }' "$tmp/mini/de.txt" && grep -q 'reviewer { "A. Reviewer" }' "$tmp/mini/de.txt" &&
    grep -q 'reviewed { "2026-12-01" }' "$tmp/mini/de.txt" || fail "a complete reviewed file did not mark the catalog reviewed: $(grep -A5 meta "$tmp/mini/de.txt")"
"$kl" catalog export --locales "$tmp/mini" de --format xliff12 -o "$tmp/mini.xlf" 2>/dev/null
grep -q 'state="final"' "$tmp/mini.xlf" || fail "a reviewed catalog's XLIFF 1.2 units are not final"
# one translation changed afterwards: the catalog is a draft again, and the import says so
sed 's|<target state="final">DE Thank you.</target>|<target state="final">DE Danke.</target>|' \
    "$tmp/mini.xlf" >"$tmp/mini-changed.xlf"
"$kl" catalog import --locales "$tmp/mini" "$tmp/mini-changed.xlf" 2>"$tmp/err" || fail "import changed: $(head -3 "$tmp/err")"
grep -q "the catalog was reviewed; 1 changed translation makes it a draft again" "$tmp/err" ||
    fail "no warning that the reviewed catalog became a draft: $(head -3 "$tmp/err")"
grep -q 'status { "draft" }' "$tmp/mini/de.txt" || fail "a changed reviewed catalog stayed reviewed"

# An unclosed plural is reported at its brace, in words (not U_PATTERN_SYNTAX_ERROR); a
# straight apostrophe that quotes a placeholder is explained.
mkdir "$tmp/brace"
cp "$src/tests/data/catalog/en_GB.txt" "$tmp/brace/"
printf 'pl {\n    standard {\n        "t.count" { "Razem {agencyCount, plural, one {# x} few {# y} many {# z} other {# w}" }\n        "t.body" { "Napiszemy na adres '"'"'{address}'"'"'." }\n    }\n}\n' >"$tmp/brace/pl.txt"
"$kl" catalog check --locales "$tmp/brace" pl >"$tmp/out" 2>&1
grep -q "pl.txt:3:28: error: \[syntax\] standard 't.count': the '{' that starts this plural is never closed: add '}'" "$tmp/out" ||
    fail "unclosed plural: $(grep t.count "$tmp/out" | head -2)"
grep -q "t.body' does not use {address}, which the English shows (a straight apostrophe" "$tmp/out" ||
    fail "quoting apostrophe not explained: $(grep t.body "$tmp/out" | head -2)"

finish "ok"
