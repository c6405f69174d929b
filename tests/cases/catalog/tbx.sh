#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/catalog/tbx.sh: the glossary export (issue 19, item 7): `catalog export LOCALE
# --format tbx` for pl and ar is well-formed XML (xmllint); translate-toolkit's TBX storage
# reads every role and title with the English and the catalog's term as translate-toolkit reads
# them from the XLIFF 1.2 export (a select's branches as the language's forms); the review
# types and "advocate" are there; every English word to avoid, and a word in the catalog's own
# avoid list, is a deprecated term in its language; every entry says the catalog is a draft;
# import refuses a TBX file with a reason.
# Usage: tbx.sh KINLETTER SOURCE_ROOT
set -u
kl=$1
src=$2
py=/usr/bin/python3
if ! command -v xmllint >/dev/null || ! "$py" -c 'import translate.storage.tbx, lxml' 2>/dev/null; then
    echo "SKIP: needs xmllint and translate-toolkit (.ci/deps)"
    exit 77
fi
. "$(dirname "$0")/../lib.sh"

cp -r "$src/locales" "$tmp/loc"
# The Polish catalog gets its own list of words to avoid (after its meta table).
sed -i '0,/^    standard {/s//    avoid {\n        \/\/ a test word\n        cold { "zmarły", "denat" }\n    }\n    standard {/' "$tmp/loc/pl.txt"
grep -q '"denat"' "$tmp/loc/pl.txt" || fail "could not add an avoid list to pl.txt"
cp -r "$tmp/loc" "$tmp/orig"

for L in pl ar; do
    "$kl" catalog export --locales "$tmp/loc" "$L" --format tbx -o "$tmp/$L.tbx" 2>"$tmp/err" ||
        fail "export $L tbx: $(head -2 "$tmp/err")"
    xmllint --noout "$tmp/$L.tbx" 2>"$tmp/err" || fail "$L.tbx is not well-formed: $(head -2 "$tmp/err")"
    "$kl" catalog export --locales "$tmp/loc" "$L" --format xliff12 -o "$tmp/$L.xlf" 2>/dev/null ||
        fail "export $L xliff12"
    "$py" - "$tmp/$L.tbx" "$tmp/$L.xlf" "$tmp/loc/en_GB.txt" "$L" >"$tmp/out" 2>&1 <<'PY' || fail "TBX $L: $(tail -3 "$tmp/out")"
import re, sys
from lxml import etree
from translate.storage import factory, tbx

path, xlf_path, en_path, loc = sys.argv[1:]
glossary = tbx.tbxfile.parsefile(path)
units = {u.getid(): u for u in glossary.units}
xlf = {u.getid().split("\x04")[1]: u for u in factory.getobject(xlf_path).units
       if not u.isheader() and u.getid().startswith("standard\x04")}

XML = "{http://www.w3.org/XML/1998/namespace}lang"
root = etree.parse(path).getroot()
assert root.tag == "martif" and root.get("type") == "TBX-Basic", root.tag
entries = {e.get("id"): e for e in root.iter("termEntry")}

def terms(entry, lang):
    out = []
    for ls in entry.findall("langSet"):
        if ls.get(XML) == lang:
            for tig in ls.findall("tig"):
                st = tig.find("termNote[@type='administrativeStatus']")
                out.append((tig.findtext("term"), st.text if st is not None else None))
    return out

# Roles and titles: translate-toolkit's pair is the catalog's pair.
keys = [k for k in xlf if k.startswith(("common.role.", "common.title."))]
assert len(keys) >= 13, keys
n_select = 0
for k in keys:
    x = xlf[k]
    assert k in units, "no glossary entry for " + k
    u = units[k]
    assert u.source == x.source, (k, u.source, x.source)
    target = x.target or ""
    if "{" not in target:
        assert u.target == target, (k, u.target, target)
    else:  # one select: every branch is one of the language's forms, the first first
        branches = re.findall(r"(\w+) \{([^{}]*)\}", target)
        assert branches, (k, target)
        n_select += 1
        got = [t for t, _ in terms(entries[k], loc)]
        want = list(dict.fromkeys(t for _, t in branches if t))
        assert got == want and u.target == want[0], (k, got, want)
    assert all(s == "admittedTerm-admn-sts" for _, s in terms(entries[k], loc)), k
    assert "draft" in u.getnotes(), (k, u.getnotes())
if loc == "ar":
    assert n_select >= 2, "the Arabic titles Mx and Dr are selects by gender"

# Review types and advocate: English terms with a definition.
for t, name in (("lcspr", "local child safeguarding practice review"),
                ("scr", "serious case review"), ("cpr", "child practice review"),
                ("sar", "safeguarding adults review")):
    u = units["reviewType." + t]
    assert u.source == name, (t, u.source)
    assert (t.upper(), "admittedTerm-admn-sts") in terms(entries["reviewType." + t], "en-GB")
    assert "notification.what.body" in u.getnotes(), u.getnotes()
assert units["advocate"].source == "advocate"
assert "have their say" in units["advocate"].getnotes("definition")

# Words to avoid: each English one (jargon, cold), deprecated in English.
en = open(en_path, encoding="utf-8").read()
avoid = en[en.index("    avoid {"):en.index("    standard {")]
deprecated = {(t, lang) for e in entries.values() for lang in ("en-GB", loc)
              for t, s in terms(e, lang) if s == "deprecatedTerm-admn-sts"}
for lst in ("jargon", "cold"):
    body = re.search(r"\b" + lst + r" \{(.*?)\}", avoid, re.S).group(1)
    words = re.findall(r'"([^"]*)"', body)
    assert words
    for w in words:
        assert (w, "en-GB") in deprecated, (lst, w)
assert ("the deceased", "en-GB") in deprecated
if loc == "pl":
    assert ("denat", "pl") in deprecated and ("zmarły", "pl") in deprecated, deprecated
# No term the catalog fixes is marked deprecated.
for k in keys:
    assert not any(s == "deprecatedTerm-admn-sts" for _, s in terms(entries[k], "en-GB"))
print("ok", len(units), "entries")
PY
    grep -q "^ok" "$tmp/out" || fail "TBX $L: $(tail -1 "$tmp/out")"
done

# Import refuses a glossary, with a reason and what to do; nothing changes.
"$kl" catalog import --locales "$tmp/loc" "$tmp/pl.tbx" 2>"$tmp/err" && fail "a TBX file was imported"
grep -q "pl.tbx:1:1: error: a TBX file is a glossary of terms, not a catalog to import" "$tmp/err" ||
    fail "TBX import: $(head -2 "$tmp/err")"
diff -r "$tmp/orig" "$tmp/loc" >/dev/null || fail "a refused import changed a catalog"
# An unknown format names the known ones.
"$kl" catalog export --locales "$tmp/loc" pl --format tbz -o "$tmp/x" 2>"$tmp/err" && fail "format tbz accepted"
grep -q "unknown format 'tbz': po, xliff12, xliff20, tmx or tbx" "$tmp/err" || fail "unknown format: $(cat "$tmp/err")"

finish "PASS catalog tbx"
