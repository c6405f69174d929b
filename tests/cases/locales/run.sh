#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/locales/run.sh: a test family with one member in each of the 14 translations
# (tests/data/locales/review.xml: post and email, print sizes 14 to 24 pt) gets all four
# letters as PDFs. Each must be written (a character no font has is an error, so this means
# no missing glyph), embed every font with a ToUnicode map, carry /ActualText where glyphs
# are not characters one to one (Indic and right-to-left scripts), and give back, word for
# word, the same text as the plain-text letter (compare_text.py says what "the same" means).
# The summary must say that every translation is a draft.
# Usage: run.sh KINLETTER SOURCE_ROOT
set -u
kl=$1
src=$2
py=/usr/bin/python3 # Debian's python: python3-pikepdf lives there
review=$src/tests/data/locales/review.xml
. "$(dirname "$0")/../lib.sh"

locales="cy pl ro pt es lt so ar fa ur pa bn gu zh-Hans"
templates="notification invitation update outcome"

for t in $templates; do
    if ! "$kl" generate "$review" --template "$t" -o "$tmp/out" -d 2026-11-27 >"$tmp/gen-$t.log" 2>&1; then
        fail "generate --template $t did not write every member's letters"
        cat "$tmp/gen-$t.log"
        continue
    fi
    for l in $locales; do
        grep -q "^$l .*written.*(draft translation: $l draft)" "$tmp/gen-$t.log" ||
            fail "$t: the summary does not say member $l's letter is a draft translation"
    done
    grep -q "14 members written with a draft translation" "$tmp/gen-$t.log" ||
        fail "$t: the summary does not count the draft translations"
done

# Every font of every PDF (the print packs too) embedded, with a ToUnicode map.
find "$tmp/out" -name '*.pdf' | sort >"$tmp/pdfs"
n=$(wc -l <"$tmp/pdfs")
# 14 members x (post + email) + the print pack, for each of 4 letters.
[ "$n" -eq 116 ] || fail "$n PDFs written, 116 expected"
while read -r f; do
    if ! pdffonts "$f" >"$tmp/fonts" 2>&1; then
        fail "pdffonts cannot read $f"
        continue
    fi
    # The columns from the right: emb sub uni and the object number (two fields).
    tail -n +3 "$tmp/fonts" | awk -v f="${f#"$tmp/out/"}" '
        $(NF-4) != "yes" { print "FAIL: " f ": font " $1 " is not embedded"; bad = 1 }
        $(NF-2) != "yes" { print "FAIL: " f ": font " $1 " has no ToUnicode map"; bad = 1 }
        END { exit bad }' || fails=$((fails + 1))
done <"$tmp/pdfs"

# Every glyph width in /W is the advance of the glyph in the embedded font program
# (PDF/UA-1 7.21.5), in every language and the print packs (pdfua_widths.py, fontTools).
# shellcheck disable=SC2046
"$py" "$src/tests/cases/pdfua/pdfua_widths.py" $(cat "$tmp/pdfs") >"$tmp/widths.log" 2>&1 ||
    fail "glyph widths in /W differ from the embedded font programs"
tail -n 40 "$tmp/widths.log"

# Scripts whose glyphs are not characters one to one carry /ActualText: the tagged lines
# (marked-content sequences with an MCID) that have it, in the content or on the structure
# element that owns the MCID (its page's /ParentTree entry); right-to-left lines have it
# on the element only.
for l in ar fa ur pa bn gu; do
    f=$tmp/out/NSCP-2026-017/notification/$l-post.pdf
    c=$("$py" -c '
import sys, pikepdf
n = 0
with pikepdf.open(sys.argv[1]) as pdf:
    nt = pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree)
    tree = {int(k): v for k, v in nt.items()}
    for page in pdf.pages:
        parents, stack = tree[int(page.obj.StructParents)], []
        for operands, op in pikepdf.parse_content_stream(page):
            op = str(op)
            if op in ("BDC", "BMC"):
                d = operands[1] if op == "BDC" else None
                d = d if isinstance(d, pikepdf.Dictionary) else {}
                has = "/ActualText" in d
                if "/MCID" in d:
                    has = has or "/ActualText" in parents[int(d["/MCID"])]
                    stack.append(["mc", has])
                else:
                    stack.append(["other", False])
                    mcs = [k for k in stack if k[0] == "mc"]
                    if has and mcs:
                        mcs[-1][1] = True
            elif op == "EMC":
                k = stack.pop()
                n += k[0] == "mc" and k[1]
print(n)' "$f" 2>&1)
    [ "$c" -gt 20 ] 2>/dev/null || fail "$l: $c tagged lines with /ActualText in the notification letter"
done

# The words of each PDF letter are the words of the same letter as plain text.
ok=0
for t in $templates; do
    for l in $locales; do
        for ch in post email; do
            pdf=$tmp/out/NSCP-2026-017/$t/$l-$ch.pdf
            [ -f "$pdf" ] || continue
            if ! "$kl" render "$review" -t "$t" -m "$l" -c "$ch" -f txt -d 2026-11-27 \
                -o "$tmp/$t-$l-$ch.txt" >"$tmp/render.log" 2>&1; then
                fail "render $t $l $ch"
                cat "$tmp/render.log"
                continue
            fi
            if "$py" "$src/tests/cases/locales/compare_text.py" "$tmp/$t-$l-$ch.txt" "$pdf" "$l" \
                >"$tmp/cmp.log" 2>&1; then
                ok=$((ok + 1))
            else
                fail "$t $l $ch: the PDF's text is not the letter's"
                cat "$tmp/cmp.log"
            fi
        done
    done
done
echo "$ok PDF letters give back the plain-text letter's words"
[ "$ok" -eq 112 ] || fail "$ok of 112 letters compared"

finish "locales: all PDF checks passed"
