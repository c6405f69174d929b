#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/trust/packs.sh: print packs made while the batch runs (issue 24, flat memory).
# 450 postal letters are three packs (print-pack-001.pdf...), cut by the letters expected, each
# made once its members are in place: their titles, letters and pages agree with record.csv,
# the same bytes with 1 and 2 jobs; a member whose letter fails leaves its pack one letter
# short and the other packs as they were; after SIGTERM or SIGKILL every pack left is whole
# (qpdf --check) and holds exactly the letters the record lists as written in its range.
# Usage: packs.sh KINLETTER SOURCE_ROOT
set -u
kl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
. "$(dirname "$0")/../lib.sh"
export KINLETTER_PDF_DATE=2026-10-09T12:00:00Z

# 450 English members by post at 12 pt (four-page letters), ids b00000 to b00449.
/usr/bin/python3 "$src/tests/bench/make_review.py" 450 12 >"$tmp/r.xml"
# The same with member b00002's family name holding a character no font has.
sed "s/family='Member2'/family='Member2\&#xE000;'/" "$tmp/r.xml" >"$tmp/bad.xml"

# Every pack in $1 agrees with its record.csv: pack k holds the letters written of members
# 200(k-1) to 200k-1 in member order (a blank page before a letter that would start on the back
# of a sheet), says so in its title, and is a whole PDF. $2: "all" when all three must be there.
check_packs() { # dir all|some name
    awk -F, 'NR > 1 && $8 == "post" && $12 == "written" { print int(substr($1, 2) / 200), $10 }' \
        "$1/record.csv" >"$tmp/letters"
    for k in 1 2 3; do
        f="$1/print-pack-00$k.pdf"
        if [ ! -f "$f" ]; then
            [ "$2" = all ] && fail "$3: no print-pack-00$k.pdf"
            continue
        fi
        want=$(awk -v k=$((k - 1)) '$1 == k { t += t % 2; t += $2; n++ } END { print n + 0, t + 0 }' \
            "$tmp/letters")
        n=${want% *}
        title=$(pdfinfo "$f" | sed -n 's/^Title: *//p')
        [ "$title" = "Letters to post: BENCH-450, notification ($n letters, pack $k of 3)" ] ||
            fail "$3: print-pack-00$k.pdf is titled '$title', the record has $n letters in its range"
        pages=$(pdfinfo "$f" | sed -n 's/^Pages: *//p')
        [ "$pages" = "${want#* }" ] ||
            fail "$3: print-pack-00$k.pdf has $pages pages, its letters in the record ${want#* }"
        qpdf --check "$f" >/dev/null 2>&1 || fail "$3: qpdf --check fails on print-pack-00$k.pdf"
    done
    [ -e "$1/print-pack.pdf" ] && fail "$3: print-pack.pdf beside the numbered packs"
    [ -e "$1/print-pack-004.pdf" ] && fail "$3: a fourth pack"
    return 0
}

# ---- the whole batch: three packs --------------------------------------------------------
"$kl" generate -q -j 2 -o "$tmp/j2" "$tmp/r.xml" >"$tmp/out" 2>"$tmp/err"
status 0 $? "450 letters, 2 jobs"
d2="$tmp/j2/BENCH-450/notification"
check_packs "$d2" all "2 jobs"
# The first page of pack 2 is the first page of member b00200's letter.
[ "$(pdftotext -f 1 -l 1 "$d2/print-pack-002.pdf" - | md5sum)" = \
    "$(pdftotext -f 1 -l 1 "$d2/b00200-post.pdf" - | md5sum)" ] ||
    fail "print-pack-002.pdf does not start with b00200's letter"

# ---- one member's letter fails (1 job): its pack is a letter short, the others the same ----
"$kl" generate -q -j 1 -o "$tmp/bad" "$tmp/bad.xml" >"$tmp/out" 2>"$tmp/err"
status 1 $? "a member whose letter fails"
db="$tmp/bad/BENCH-450/notification"
expect "$db/record.csv" "^b00002,.*,failed," bad-row
check_packs "$db" all "one failed letter"
expect "$tmp/err" "member b00002: no font has the character U+E000" bad-message
for k in 2 3; do
    cmp -s "$d2/print-pack-00$k.pdf" "$db/print-pack-00$k.pdf" ||
        fail "print-pack-00$k.pdf differs with 1 job and a failed letter in pack 1"
done

# ---- SIGTERM and SIGKILL mid-run: the packs left are whole and agree with the record ------
for sig in TERM KILL; do
    out="$tmp/$sig"
    "$kl" generate -q -j 2 -o "$out" "$tmp/r.xml" >"$tmp/bg-out" 2>"$tmp/bg-err" &
    bg=$!
    n=0
    while [ $n -lt 6000 ]; do # until pack 1 is made (or 60 s)
        [ -f "$out/BENCH-450/notification/print-pack-001.pdf" ] && break
        kill -0 $bg 2>/dev/null || break
        sleep 0.01
        n=$((n + 1))
    done
    dir="$out/BENCH-450/notification"
    made=no
    [ -f "$dir/print-pack-001.pdf" ] && made=yes
    kill -$sig $bg 2>/dev/null
    wait $bg 2>/dev/null
    st=$?
    if [ $st = 0 ]; then
        echo "note: SIG$sig: the run ended before the signal"
        check_packs "$dir" all "SIG$sig (finished first)"
        continue
    fi
    [ $made = no ] || [ -f "$dir/print-pack-001.pdf" ] || fail "SIG$sig: pack 1 was made but is gone"
    check_packs "$dir" some "SIG$sig"
    if [ $sig = TERM ]; then
        expect "$tmp/bg-err" "error: interrupted: [0-9]* of 450 members dealt with" sigterm-message
        written=$(awk -F, 'NR > 1 && $12 == "written"' "$dir/record.csv" | wc -l)
        [ "$written" -lt 450 ] && [ -e "$dir/print-pack-003.pdf" ] &&
            fail "SIGTERM: pack 3 made with $written of 450 letters written"
        # The pack being made is written to its temporary as its letters arrive: given up, it
        # is removed, as the members' own temporaries are.
        if ls -A "$dir" | grep -q '\.tmp$'; then fail "SIGTERM: temporaries left"; fi
    fi
    [ $sig = TERM ] && continue
    # A clean re-run puts everything right.
    "$kl" generate -q --force -j 2 -o "$out" "$tmp/r.xml" >"$tmp/out" 2>"$tmp/err"
    status 0 $? "re-run after SIG$sig"
    for k in 1 2 3; do
        cmp -s "$d2/print-pack-00$k.pdf" "$dir/print-pack-00$k.pdf" ||
            fail "re-run after SIG$sig: print-pack-00$k.pdf differs"
    done
    if ls -A "$dir" | grep -q '\.tmp$'; then fail "re-run after SIG$sig: temporaries left"; fi
done

finish "print packs: whole, in place as their members are, true to the record"
