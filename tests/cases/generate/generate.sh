#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/generate/generate.sh: `kinletter generate` end to end: files, permissions, the
# record, exit codes, no overwriting without --force, no withheld detail anywhere, a disk that
# fills up part-way.
# Usage: generate.sh KINLETTER SOURCE_ROOT
set -u
kl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # absolute: some cases cd
src=$2
fam="$src/tests/data/generate/review.xml"
. "$(dirname "$0")/../lib.sh"
kl_command=generate
export KINLETTER_PDF_DATE=2026-10-09T12:00:00Z

# Every text a batch directory holds: text files, the record, the PDFs' text.
all_text() { # dir
    for f in "$1"/*; do
        case "$f" in
        *.pdf) pdftotext "$f" - 2>/dev/null ;;
        *) cat "$f" ;;
        esac
    done
}

perms() { # dir name: files 0600, the batch directories 0700
    for d in "$1" "$(dirname "$1")"; do
        [ "$(stat -c %a "$d")" = 700 ] || fail "$2: $d has mode $(stat -c %a "$d"), not 700"
    done
    for f in "$1"/*; do
        [ "$(stat -c %a "$f")" = 600 ] || fail "$2: $f has mode $(stat -c %a "$f"), not 600"
    done
}

# ---- our family: one member of each kind of trouble --------------------------------------
out="$tmp/a"
dir="$out/GEN-2026-042/notification"
run 1 family "$fam" -o "$out" --date 2026-10-09 --jobs 3
rec="$dir/record.csv"
[ -f "$rec" ] || fail "family: no record.csv"
perms "$dir" family
for f in g01-post.pdf g02-via-professional.pdf g02-cover.pdf g03-email.pdf g03-email.txt \
    g03-email.eml g03-sms.txt g07-post.pdf print-pack.pdf record.csv; do
    [ -f "$dir/$f" ] || fail "family: $f missing"
done
# Nothing for the members who failed or are not contacted.
for m in g04 g05 g06; do
    if ls "$dir" | grep -q "^$m-"; then fail "family: files written for $m"; fi
done
# Besides the letters: the lock and the manifest of this run (hidden).
[ "$(ls -A "$dir" | grep -v '^\.kinletter\(\.lock\|-manifest\)$' | wc -l)" = 10 ] ||
    fail "family: unexpected files: $(ls -A "$dir")"
expect "$rec" "^member_id,name,relationship,languages,translation_status,reading_level,print_size,channel,file,pages,sha256,result,reason" record-header
expect "$rec" "^g01,Hannah Marsh,mother,en-GB,source,plain,large (18 pt),post,g01-post.pdf,[1-9][0-9]*,[0-9a-f]\{64\},written," record-g01
expect "$rec" "^g02,.*,via-professional,g02-cover.pdf,1,[0-9a-f]\{64\},written" record-g02-cover
expect "$rec" "^g03,.*,sms,g03-sms.txt,,[0-9a-f]\{64\},written" record-g03-sms
expect "$rec" "^g04,Carl Dobbs,stepfather,,,,,,,,,not-contacted,Police advice while an investigation is open" record-g04
expect "$rec" "^g05,.*,post,,,,failed,.*family.csv line 6" record-g05
expect "$rec" "^g06,Jonas Keller,uncle,de,missing,.*,post,,,,failed,no catalog for language 'de'" record-g06
[ "$(grep -c . "$rec")" = 12 ] || fail "family: record has $(grep -c . "$rec") lines, expected 12"
# The checksums are the files'.
(cd "$dir" && awk -F, 'NR > 1 && $9 != "" { print $11 "  " $9 }' record.csv | sha256sum -c --quiet) ||
    fail "family: a checksum in record.csv does not match its file"
# The summary: a line per member, totals, where the files are; a message per failure.
expect "$tmp/out" "^g01 *mother *post *written, [0-9]* pages" summary-g01
expect "$tmp/out" "^g03 *sister *email,sms *written" summary-g03
expect "$tmp/out" "^g04 *stepfather *- *not contacted: Police advice" summary-g04
expect "$tmp/out" "^g06 *uncle *post *FAILED: no catalog for language 'de'" summary-g06
expect "$tmp/out" "^7 members: 4 written, 2 failed, 1 not contacted, 0 skipped" summary-totals
expect "$tmp/out" "^Files in .*/GEN-2026-042/notification" summary-where
expect "$tmp/err" "family.csv:6:14: error: member g05: column 'channels': a post contact has no address" err-g05
expect "$tmp/err" "error: member g06: no catalog for language 'de'" err-g06
# No progress bar when standard error is not a terminal.
refuse "$tmp/err" "\[###" no-progress-bar

# The withheld stepfather's address, and every member's details in anyone else's letter.
all_text "$dir" >"$tmp/all"
for secret in "Hollow Lane" "NT8 8WW" "Westby"; do
    refuse "$tmp/all" "$secret" "withheld-detail"
    refuse "$tmp/out" "$secret" "withheld-detail-summary"
done
pdftotext "$dir/g02-via-professional.pdf" - >"$tmp/g02.txt"
for other in "Orchard Row" "NT2 5LB" "Church View" "maya.marsh" "900654"; do
    refuse "$tmp/g02.txt" "$other" "g02-letter-discloses"
done
refuse "$rec" "Orchard Row\|NT2 5LB\|maya.marsh\|900654\|Church View\|Lindenweg" record-has-contact-details
# The letter by post shows its own address; the one via a professional none.
pdftotext "$dir/g01-post.pdf" - | grep -q "14 Orchard Row" || fail "g01: address missing from the post letter"
# The cover note: English, one page, names the interpreter's language and who to call.
pdftotext "$dir/g02-cover.pdf" - >"$tmp/cover.txt"
expect "$tmp/cover.txt" "A letter for you to give to Piotr Marsh" cover-title
expect "$tmp/cover.txt" "interpreter for Polish" cover-interpreter
expect "$tmp/cover.txt" "01632 960456" cover-phone
# The print pack: the postal letters in member order, each starting on a new sheet
# (a blank page after a letter with an odd page count).
pages() { pdfinfo "$1" | sed -n 's/^Pages: *//p'; }
check_pack() { # dir name
    at=1
    blanks=0
    # Braille letters are not in the pack: its first page lists them for the embossing service.
    if grep -q -- '-braille\.brf,' "$1/record.csv"; then
        pdftotext -f 1 -l 1 "$1/print-pack.pdf" - | grep -q "^Braille letters: send to the" ||
            fail "$2: print-pack does not start with the list of braille letters"
        at=2
    fi
    for f in $(awk -F, 'NR > 1 && $8 == "post" && $12 == "written" && $9 ~ /\.pdf$/ { print $9 }' "$1/record.csv"); do
        if [ $((at % 2)) = 0 ]; then
            [ -z "$(pdftotext -f "$at" -l "$at" "$1/print-pack.pdf" - | tr -d ' \n\f')" ] ||
                fail "$2: print-pack page $at should be blank"
            at=$((at + 1))
            blanks=$((blanks + 1))
        fi
        first=$(pdftotext -f 1 -l 1 "$1/$f" - | tr -d ' \n\f' | md5sum)
        [ "$(pdftotext -f "$at" -l "$at" "$1/print-pack.pdf" - | tr -d ' \n\f' | md5sum)" = "$first" ] ||
            fail "$2: print-pack page $at is not the first page of $f"
        at=$((at + $(pages "$1/$f")))
    done
    [ "$(pages "$1/print-pack.pdf")" = $((at - 1)) ] ||
        fail "$2: print-pack has $(pages "$1/print-pack.pdf") pages, expected $((at - 1))"
    qpdf --check "$1/print-pack.pdf" >/dev/null 2>&1 || fail "$2: qpdf --check fails on print-pack.pdf"
}
check_pack "$dir" family-print-pack
want=$(pages "$dir/print-pack.pdf")
expect "$tmp/out" "print-pack.pdf: $want pages for duplex printing" summary-print-pack
head -n 2 "$dir/g03-email.txt" | grep -q "^Subject: ." || fail "g03-email.txt does not start with a subject"

# ---- a second run refuses and changes nothing ----------------------------------------------
(cd "$dir" && ls -l --time-style=full-iso && sha256sum ./*) >"$tmp/before"
run 2 no-force "$fam" -o "$out" --date 2026-10-09
expect "$tmp/err" "GEN-2026-042/notification: error: the batch directory already holds files" no-force-message
expect "$tmp/err" "hint: run again with --force" no-force-hint
(cd "$dir" && ls -l --time-style=full-iso && sha256sum ./*) >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "no-force: the directory changed"

# --force replaces; the same input gives the same bytes (fixed dates), whatever --jobs.
run 1 force "$fam" -o "$out" --date 2026-10-09 --force --jobs 1
(cd "$dir" && sha256sum ./*) >"$tmp/forced"
sed -n '/^[0-9a-f]\{64\}/p' "$tmp/before" >"$tmp/before-sums"
cmp -s "$tmp/before-sums" "$tmp/forced" || fail "force: output differs between --jobs 3 and --jobs 1"

# --force with a member filter: the others are listed as skipped, their old files removed.
run 0 one-member "$fam" -o "$out" --date 2026-10-09 --force -m g01
expect "$rec" "^g03,.*,skipped,not selected for this run" filter-skipped
[ "$(ls "$dir" | tr '\n' ' ')" = "g01-post.pdf print-pack.pdf record.csv " ] || fail "filter: left $(ls "$dir")"

# ---- the bundled example -------------------------------------------------------------------
run_any() { # name args...: exit 0 or 1 (other engineers' catalogs decide which members fail)
    name=$1
    shift
    "$kl" generate "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    [ "$got" = 0 ] || [ "$got" = 1 ] || {
        fail "$name: exit $got"
        sed 's/^/  err: /' "$tmp/err"
    }
}
(cd "$tmp" && run_any example --date 2026-11-27)
exdir="$tmp/letters/NSCP-2026-017/notification"
perms "$exdir" example
expect "$exdir/record.csv" "^m03,Kacper Nowak,brother,en-GB,source,young-person,standard (14 pt),email,m03-email.pdf" example-m03
expect "$exdir/record.csv" "^m05,Dean Carter,stepfather,.*not-contacted,Police advice" example-m05
[ "$(cut -d, -f1 "$exdir/record.csv" | sort -u | grep -c '^m0')" = 9 ] || fail "example: not every member is in the record"
expect "$tmp/out" "^11 members: " example-summary
expect "$exdir/record.csv" "^m10,Kerry Walsh,stepmother,en-GB,source,easy-read,easy-read (16 pt),post,m10-post.pdf" example-m10
expect "$tmp/out" "^m10 .* written, [0-9]* pages (reading: easy-read)$" example-m10-summary
expect "$exdir/record.csv" "^m11,Geoffrey Barnes,grandfather,en-GB,source,standard,standard (14 pt),post,m11-braille.brf,[1-9][0-9]*,[0-9a-f]\{64\},written,,braille" example-m11
# Siân's Welsh and English letter at 24 pt is longer than Notify's 10 pages: said, still written.
expect "$tmp/err" "warning: member m04: the postal letter has [0-9]* pages; GOV.UK Notify" example-long-letter
[ -f "$exdir/m04-post.pdf" ] || fail "example: the long letter was not written"
# With English for missing messages, more members have postal letters (some of odd length).
(cd "$tmp" && run_any example-fallback --date 2026-11-27 --allow-fallback -o fb)
check_pack "$tmp/fb/NSCP-2026-017/notification" example-print-pack

# ---- usage and input errors: exit 2, nothing written -----------------------------------------
run 2 unknown-option --colour
run 2 bad-jobs --jobs 0 "$fam"
run 2 unknown-member -m g99 -o "$tmp/u" "$fam"
expect "$tmp/err" "no member 'g99' in the review" unknown-member-message
run 2 no-template -t no-such-template -o "$tmp/u" "$fam"
run 2 missing-review -o "$tmp/u" "$tmp/nonexistent.xml"
[ ! -e "$tmp/u" ] || fail "input errors: created $tmp/u"
run 0 help --help

# ---- the disk fills up part-way --------------------------------------------------------------
# A 16-block file-size limit: the text files fit, no PDF does. Every member
# with a PDF fails whole (no half-member, no partial or temporary file).
full="$tmp/full"
(ulimit -f 16 && "$kl" generate "$fam" -o "$full" --date 2026-10-09 --jobs 2) >"$tmp/out" 2>"$tmp/err"
got=$?
[ "$got" = 1 ] || fail "disk-full: exit $got, expected 1"
expect "$tmp/err" "cannot write: File too large" disk-full-message
expect "$tmp/err" "error: writing stopped part-way: .* not written (no partial file is left)" disk-full-summary
fdir="$full/GEN-2026-042/notification"
if ls -A "$fdir" | grep -v '^record\.csv$\|^\.kinletter\(\.lock\|-manifest\)$' | grep -q .; then
    fail "disk-full: files left: $(ls -A "$fdir")"
fi
if [ -f "$fdir/record.csv" ]; then
    refuse "$fdir/record.csv" ",written," disk-full-record
    expect "$fdir/record.csv" "^g01,.*,failed," disk-full-record-g01
fi

# ---- a warning for every member it is true of -------------------------------------------
# A word too wide for the line is broken in m01, m02, m03, m04 and m06's letters (long names
# and addresses at large print): each member is told once, with one job or three, whichever
# worker shaped the paragraph first (a paragraph shaped for another letter is not shaped again).
lrev="$src/tests/data/letters/review.xml"
for jobs in 1 3; do
    "$kl" generate "$lrev" -o "$tmp/words$jobs" --date 2026-10-09 --jobs $jobs >/dev/null 2>"$tmp/words$jobs.err"
    grep 'a word is wider than the line' "$tmp/words$jobs.err" | sed 's/.*warning: member \([^:]*\):.*/\1/' >"$tmp/words$jobs.ids"
    [ "$(tr '\n' ' ' <"$tmp/words$jobs.ids")" = "m01 m02 m03 m04 m06 " ] ||
        fail "broken-word warnings, $jobs jobs: $(tr '\n' ' ' <"$tmp/words$jobs.ids")"
done

finish "all generate cases passed"
