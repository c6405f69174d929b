#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/trust/trust.sh: a batch you can trust (issue 16): impossible dates refused at the
# edge, one writer at a time, --force that touches only kinletter's own files, an accurate
# record after SIGTERM and SIGKILL, no personal data in any message, src paths kept inside
# the review's directory.
# Usage: trust.sh KINLETTER SOURCE_ROOT [quick|crash]
#   quick: everything but the 2,000-member runs; crash: only those (lock, --force, signals).
set -u
kl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
mode=${3:-quick}
fam="$src/tests/data/generate/review.xml"
. "$(dirname "$0")/../lib.sh"
export KINLETTER_PDF_DATE=2026-10-09T12:00:00Z

if [ "$mode" = quick ]; then
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


# ---- no personal data in any message --------------------------------------------------------
# Every member of markers.xml has a mistake in a field that holds a marker ("Mkr...", an email,
# a phone, a postcode, an age, a name with a character no font has): the messages must say
# which member and field, and never repeat the value.
mk="$src/tests/data/trust/markers.xml"
: >"$tmp/all-err"
"$kl" check "$mk" >"$tmp/out" 2>"$tmp/err"
status 1 $? "check of the marker review"
cat "$tmp/err" >>"$tmp/all-err"
expect "$tmp/err" "markers.csv:3:18: error: member k02: column 'email': the email address is not an email address" marker-email
expect "$tmp/err" "markers.csv:4:19: error: member k03: column 'phone'" marker-phone
expect "$tmp/err" "markers.csv:2:15: error: member k01: column 'address': address line 1 " marker-address
"$kl" generate -o "$tmp/mk" "$mk" >"$tmp/out" 2>"$tmp/err"
status 1 $? "generate of the marker review"
cat "$tmp/err" >>"$tmp/all-err"
expect "$tmp/err" "markers.csv:7:1: error: member k06: no font has the character U+1F600" marker-font
for m in k01 k02 k03 k04 k05 k06 k07; do
    for f in txt email sms pdf; do
        "$kl" render -m $m -f $f -o "$tmp/mk-$m.$f" --force "$mk" >/dev/null 2>>"$tmp/all-err"
    done
done
expect "$tmp/all-err" "member k06: no font has the character U+1F600" marker-render-font
refuse "$tmp/all-err" "[Mm][Kk][Rr]" "a message repeats a member's value"
# None of these runs calls for a hint of the command's own; the library names no flag.
refuse "$tmp/all-err" "--force\|kinletter catalog" "a library message names a command-line flag"
# The message templates: no library message quotes a contact detail, a name or the text
# around a missing character (a value quoted as '%s' or "%s" after such a word).
grep -rnE '\<(address|line|town|postcode|email|phone|mobile|age|name|word|character)\>[^"]* ('"'"'%s'"'"'|\\"%s\\")' \
    "$src/lib" --include='*.c' --include='*.cc' >"$tmp/templates" || true
refuse "$tmp/templates" "." "a message template quotes a value"

# ---- src paths stay inside the review file's directory; no file's text is ever echoed -------
rd="$tmp/srcdir"
mkdir -p "$rd/sub" "$tmp/outside"
printf 'root:MKRSHADOW1:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n' >"$tmp/outside/shadow"
cp "$src/tests/data/generate/family.csv" "$rd/sub/family.csv"
ln -s "$tmp/outside/shadow" "$rd/link.csv"
for s in "$tmp/outside/shadow" "../outside/shadow" "sub/../../outside/shadow" "link.csv"; do
    sed "s|src=\"family.csv\"|src=\"$s\"|" "$fam" >"$rd/review.xml"
    "$kl" check "$rd/review.xml" >"$tmp/out" 2>"$tmp/err"
    status 2 $? "family src=$s"
    expect "$tmp/err" "review.xml:[0-9]*:[0-9]*: error: family@src .*: the family list is not read" "family src=$s"
    refuse "$tmp/err" "MKRSHADOW\|root:" "family src=$s echoes the file"
done
sed "s|src=\"family.csv\"|src=\"sub/family.csv\"|" "$fam" >"$rd/review.xml"
"$kl" check -q "$rd/review.xml" >"$tmp/out" 2>"$tmp/err"
status 1 $? "family src=sub/family.csv (inside: read)"
# A file inside that is not a family list: refused, its text not repeated.
cp "$tmp/outside/shadow" "$rd/notes.csv"
sed "s|src=\"family.csv\"|src=\"notes.csv\"|" "$fam" >"$rd/review.xml"
"$kl" check "$rd/review.xml" >"$tmp/out" 2>"$tmp/err"
status 2 $? "family src=notes.csv (not a family list)"
refuse "$tmp/err" "MKRSHADOW\|root:" "a file that is not a family list is echoed"
# logo src: the same rule.
for s in "$tmp/outside/shadow" "../outside/shadow"; do
    sed -e "s|src=\"family.csv\"|src=\"sub/family.csv\"|" \
        -e "s|</partnership>|<logo src=\"$s\" alt=\"x\"/></partnership>|" "$fam" >"$rd/review.xml"
    "$kl" check "$rd/review.xml" >"$tmp/out" 2>"$tmp/err"
    status 2 $? "logo src=$s"
    expect "$tmp/err" "review.xml:[0-9]*:[0-9]*: error: logo@src " "logo src=$s"
    refuse "$tmp/err" "MKRSHADOW\|root:" "logo src=$s echoes the file"
done

# ---- check predicts generate ----------------------------------------------------------------
# A corpus: a name with a character no font has, a 1.1 MB paragraph (contact hours), a logo
# that is not a PNG, and the clean family. check fails exactly where generate would, each
# problem with file:line:col (and the member where it is one member's).
pd="$tmp/parity"
mkdir -p "$pd"
cp "$src/tests/data/generate/family.csv" "$pd/"
sed 's/^g07,Mrs,Edith,/g07,Mrs,Edith😀,/' "$pd/family.csv" >"$pd/emoji.csv"
sed 's/src="family.csv"/src="emoji.csv"/' "$fam" >"$pd/emoji.xml"
awk 'BEGIN { for (i = 0; i < 220000; i++) printf "open "; print "" }' >"$pd/words"
awk 'NR == FNR { w = $0; next }
     { sub(/email="sam.okafor@northshire-scp.example"/, "& hours=\"" w "\""); print }' \
    "$pd/words" "$fam" >"$pd/bigpara.xml"
printf 'not a PNG\n' >"$pd/logo.png"
sed 's|</partnership>|<logo src="logo.png" alt="Northshire"/></partnership>|' "$fam" >"$pd/notpng.xml"
cp "$fam" "$pd/clean.xml"
# A logo that is not a PNG is found when the review is read, at its line and column: check
# and generate both stop there (exit 2), and nothing is written.
"$kl" check -q "$pd/notpng.xml" >"$tmp/out" 2>"$tmp/check-err"
status 2 $? "check of a review whose logo is not a PNG"
expect "$tmp/check-err" "notpng.xml:[0-9]*:[0-9]*: error: logo 'logo.png' is not a PNG image" parity-notpng
"$kl" generate -q -o "$pd/out-notpng" "$pd/notpng.xml" >"$tmp/out" 2>"$tmp/gen-err"
status 2 $? "generate of a review whose logo is not a PNG"
[ -e "$pd/out-notpng" ] && [ -n "$(find "$pd/out-notpng" -type f)" ] && fail "generate wrote files for a review whose logo is not a PNG"
# A logo with a PNG header but damaged image data (libpng under libharu would stop the whole
# process with SIGABRT): refused the same way, at its line and column, never a crash.
head -c 200 "$src/templates/example/northshire-logo.png" >"$pd/damaged.png"
head -c 4000 /dev/zero | tr '\0' 'x' >>"$pd/damaged.png"
sed 's|</partnership>|<logo src="damaged.png" alt="Northshire"/></partnership>|' "$fam" >"$pd/damaged.xml"
for cmd in "check -q" "generate -q -o $pd/out-damaged"; do
    # shellcheck disable=SC2086
    "$kl" $cmd "$pd/damaged.xml" >"$tmp/out" 2>"$tmp/err"
    status 2 $? "${cmd%% *} of a review whose logo is a damaged PNG"
    expect "$tmp/err" "damaged.xml:[0-9]*:[0-9]*: error: logo 'damaged.png' is not a complete PNG image" "parity-damaged-${cmd%% *}"
done
[ -e "$pd/out-damaged" ] && [ -n "$(find "$pd/out-damaged" -type f)" ] && fail "generate wrote files for a review whose logo is a damaged PNG"
for case in emoji bigpara clean; do
    "$kl" check -q "$pd/$case.xml" >"$tmp/out" 2>"$tmp/check-err"
    cst=$?
    "$kl" generate -q -o "$pd/out-$case" "$pd/$case.xml" >"$tmp/out" 2>"$tmp/gen-err"
    gst=$?
    # The members generate fails are those check names in a letter error, and g05 (its data
    # error, no address, is reported at load).
    failed_gen=$(awk -F, 'NR > 1 && $12 == "failed" { print $1 }' "$pd/out-$case"/*/*/record.csv | sort -u | tr '\n' ' ')
    failed_chk=$( (sed -n 's/^kinletter: .*error: member \([a-z0-9]*\): [a-z-]* letter: .*/\1/p' "$tmp/check-err"; echo g05) | sort -u | tr '\n' ' ')
    [ "$failed_gen" = "$failed_chk" ] || fail "parity $case: generate failed [$failed_gen], check named [$failed_chk]"
    [ $gst = 1 ] && [ $cst != 1 ] && fail "parity $case: check exit $cst, generate exit $gst"
    case $case in
    emoji) expect "$tmp/check-err" "emoji.csv:8:1: error: member g07: notification letter: no font has the character U+1F600" parity-emoji ;;
    bigpara) expect "$tmp/check-err" "family.csv:2:1: error: member g01: notification letter: .*longer than" parity-bigpara ;;
    esac
done

# ---- limits are input errors, never quoted -------------------------------------------------
awk 'BEGIN { for (i = 0; i < 60; i++) printf "Mkrname "; print "" }' >"$tmp/longname"
awk -v n="$(cat "$tmp/longname")" -F, 'BEGIN { OFS = "," } NR == 2 { $3 = n } { print }' \
    "$src/tests/data/generate/family.csv" >"$pd/long.csv"
sed 's/src="family.csv"/src="long.csv"/' "$fam" >"$pd/long.xml"
"$kl" check -q --no-letters "$pd/long.xml" >"$tmp/out" 2>"$tmp/err"
status 1 $? "check of a 479-byte given name"
expect "$tmp/err" "long.csv:2:[0-9]*: error: member g01: column 'given': the name's given part has 479 bytes: the limit is 200" name-limit
refuse "$tmp/err" "Mkrname" "the name-limit message quotes the name"

# ---- a batch from before manifests: its record.csv says which files are kinletter's ---------
"$kl" generate -q -o "$tmp/legacy" --date 2026-10-09 "$fam" >/dev/null 2>&1
ldir="$tmp/legacy/GEN-2026-042/notification"
rm -f "$ldir/.kinletter-manifest" "$ldir/.kinletter.lock"
echo "notes" >"$ldir/notes.docx"
"$kl" generate -q --force -o "$tmp/legacy" --date 2026-10-09 "$fam" >"$tmp/out" 2>"$tmp/err"
status 2 $? "--force on a manifest-less batch beside a foreign file"
expect "$tmp/err" "holds 'notes.docx', which kinletter did not write" legacy-foreign
rm "$ldir/notes.docx"
"$kl" generate -q --force -o "$tmp/legacy" --date 2026-10-09 "$fam" >"$tmp/out" 2>"$tmp/err"
status 1 $? "--force on a manifest-less batch (its record lists its files)"
[ -f "$ldir/.kinletter-manifest" ] || fail "legacy: no manifest after the forced run"
fi # quick

if [ "$mode" = crash ]; then
# ---- a large family (2,000 members, text messages) ---------------------------------------
big="$tmp/big"
mkdir -p "$big"
sed 's/id="GEN-2026-042"/id="BIG-2026-001"/' "$fam" >"$big/review.xml"
awk 'BEGIN {
    print "id,title,given,family,relationship,gender,age,parental_responsibility,locale,also," \
          "interpreter,print,reading,channels,address,town,postcode,email,phone,professional,contact,reason"
    for (i = 1; i <= 2000; i++) {
        p = i % 1000
        if (p == 123 || p == 456) p++ # the review contact'"'"'s numbers
        printf "b%04d,,Ann,Test,aunt,female,,,en-GB,,,,,sms,,,,,07700 9%05d,,,\n", i, p
    }
}' >"$big/family.csv"
bdir="$tmp/bo/BIG-2026-001/notification"

# The record and the disk agree: every "written" row's file is there with its checksum, and
# (exact) every file there is a written row. No temporary is left.
consistent() { # name exact
    awk -F, 'NR > 1 && $12 == "written" { print $9 }' "$bdir/record.csv" | sort >"$tmp/rec-files"
    ls "$bdir" | grep -v '^record\.csv$' | sort >"$tmp/disk-files"
    (cd "$bdir" && awk -F, 'NR > 1 && $12 == "written" { print $11 "  " $9 }' record.csv |
        sha256sum -c --quiet >/dev/null 2>&1) || fail "$1: a written row's file is missing or differs"
    if [ "$2" = exact ]; then
        cmp -s "$tmp/rec-files" "$tmp/disk-files" ||
            fail "$1: record lists $(wc -l <"$tmp/rec-files") files, the disk holds $(wc -l <"$tmp/disk-files")"
        if ls -A "$bdir" | grep -q '\.tmp$'; then fail "$1: temporaries left: $(ls -A "$bdir" | grep '\.tmp$' | head -3)"; fi
    fi
}

# Start a run in the background; return once it has written at least $1 record lines.
start_big() { # min-lines args...
    min=$1
    shift
    rm -f "$bdir/record.csv" # the earlier run's: listed in its manifest, so missing is fine
    "$kl" generate -q -o "$tmp/bo" --jobs 2 "$@" "$big/review.xml" >"$tmp/bg-out" 2>"$tmp/bg-err" &
    bg=$!
    n=0
    while [ "$n" -lt 3000 ]; do
        lines=$(grep -c . "$bdir/record.csv" 2>/dev/null || echo 0)
        [ "$lines" -ge "$min" ] && return 0
        kill -0 $bg 2>/dev/null || return 0
        sleep 0.01
        n=$((n + 1))
    done
}

# ---- one writer at a time -----------------------------------------------------------------
start_big 20
"$kl" generate -q --force -o "$tmp/bo" "$big/review.xml" >"$tmp/out" 2>"$tmp/err"
st=$?
if kill -0 $bg 2>/dev/null; then
    status 2 $st "a second run while the first is writing"
    expect "$tmp/err" "BIG-2026-001/notification: error: another kinletter run (process $bg) is writing this batch directory; nothing was changed" lock-message
else
    echo "note: the first run ended before the second started; lock not exercised"
fi
wait $bg
st=$?
[ $st = 0 ] || { fail "first run: exit $st beside a refused second run"; sed 's/^/  err: /' "$tmp/bg-err" | head; }
[ "$(grep -c . "$bdir/record.csv")" = 2001 ] || fail "first run: record has $(grep -c . "$bdir/record.csv") lines, not 2001"
consistent lock exact

# ---- --force touches only kinletter's own files -----------------------------------------
echo "coordinator's notes" >"$bdir/notes.docx"
echo "readme" >"$bdir/README"
(cd "$bdir" && ls -A | sort && sha256sum ./*) >"$tmp/before"
"$kl" generate -q --force -o "$tmp/bo" "$big/review.xml" >"$tmp/out" 2>"$tmp/err"
status 2 $? "--force beside a foreign file"
expect "$tmp/err" "error: the batch directory holds 'README', which kinletter did not write; nothing was changed" foreign-message
refuse "$tmp/err" "hint: run again with --force" foreign-no-force-hint
(cd "$bdir" && ls -A | sort && sha256sum ./*) >"$tmp/after"
cmp -s "$tmp/before" "$tmp/after" || fail "foreign: the directory changed"
rm "$bdir/notes.docx" "$bdir/README"

# ---- SIGTERM: the members under way finish, the record is complete for what was done -------
start_big 200 --force
kill -TERM $bg
wait $bg
st=$?
status 1 $st "SIGTERM mid-run"
cp "$tmp/bg-err" "$tmp/err"
expect "$tmp/err" "error: interrupted: [0-9]* of 2000 members dealt with" sigterm-message
written=$(awk -F, 'NR > 1 && $12 == "written"' "$bdir/record.csv" | wc -l)
[ "$written" -gt 0 ] && [ "$written" -lt 2000 ] || fail "SIGTERM: $written members written (not mid-run?)"
expect "$bdir/record.csv" "not written: the run was interrupted first" sigterm-rows
consistent SIGTERM exact
grep -q "^end r[0-9a-f]*-[0-9]* interrupted$" "$bdir/.kinletter-manifest" || fail "SIGTERM: the manifest does not end 'interrupted'"

# ---- SIGKILL: what the record says is on disk; a clean re-run puts everything right --------
start_big 300 --force
kill -KILL $bg
wait $bg 2>/dev/null
consistent SIGKILL partial
printf 'partial' >"$bdir/.b0001-sms.txt.r1234abcd-99999.tmp" # a dead run's temporary
"$kl" generate -q -o "$tmp/bo" "$big/review.xml" >"$tmp/out" 2>"$tmp/err"
status 2 $? "re-run without --force after SIGKILL"
"$kl" generate -q --force -o "$tmp/bo" "$big/review.xml" >"$tmp/out" 2>"$tmp/err"
status 0 $? "clean re-run after SIGKILL"
expect "$tmp/err" "warning: removed [0-9]* temporary files\? left by an interrupted run (run .*r1234abcd-99999" dead-temporaries
[ "$(grep -c . "$bdir/record.csv")" = 2001 ] || fail "re-run: record has $(grep -c . "$bdir/record.csv") lines, not 2001"
consistent "re-run after SIGKILL" exact
fi # crash

finish "all trust cases passed"
