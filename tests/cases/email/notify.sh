#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cases/email/notify.sh KINLETTER SOURCE_ROOT: GOV.UK Notify's files (issue 23 item 4).
# generate --notify writes notify-email.csv and notify-sms.csv, which Python's csv module reads with
# Notify's column names and one row per member, the texts those of the .txt files; and
# `kinletter check --notify` passes the example's letters that meet the precompiled-letter
# rules, fails the 22-page large-print letter, and fails a PDF made here (pikepdf) that
# breaks every rule: US Letter, a font not embedded, text in the margin, no address.
set -u
kl=$(realpath "$1")
src=$2
py=/usr/bin/python3
. "$(dirname "$0")/../lib.sh"
cp -r "$src/templates/example" "$tmp/example"
cd "$tmp/example" || exit 1
"$kl" generate review.xml --notify --date 2026-11-27 -o "$tmp/out" >"$tmp/gen.log" 2>&1
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || {
    echo "FAIL generate exited $rc"
    cat "$tmp/gen.log"
    exit 1
}
dir="$tmp/out/NSCP-2026-017/notification"
for f in notify-email.csv notify-sms.csv; do
    [ -f "$dir/$f" ] || fail "$f was not written"
    [ "$(stat -c %a "$dir/$f" 2>/dev/null)" = 600 ] || fail "$f is not 0600"
    grep -qx "file $f" "$dir/.kinletter-manifest" || fail "the manifest does not list $f"
done

# Only when asked: without --notify there are none.
"$kl" generate review.xml --date 2026-11-27 -o "$tmp/plain" >/dev/null 2>&1
ls "$tmp/plain/NSCP-2026-017/notification" | grep -q notify && fail "notify files written without --notify"

"$py" - "$dir" <<'PY' || fails=$((fails + 1))
import csv, email, email.policy, glob, os, re, sys
d = sys.argv[1]
bad = 0
def rows(name):
    with open(os.path.join(d, name), newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        return next(r), list(r)
# Email: the address of the draft, the subject and body of mNN-email.txt, member order.
head, got = rows("notify-email.csv")
if head != ["email address", "subject", "body"]:
    print("FAIL notify-email.csv's header:", head); bad = 1
want = []
for txt in sorted(glob.glob(os.path.join(d, "m*-email.txt"))):
    m = os.path.basename(txt)[:-len("-email.txt")]
    text = open(txt, encoding="utf-8").read().rstrip("\n")
    subject, _, body = text.partition("\n\n")
    msg = email.message_from_binary_file(open(os.path.join(d, m + "-email.eml"), "rb"),
                                         policy=email.policy.default)
    want.append([msg["To"].addresses[0].addr_spec, subject[len("Subject: "):], body])
if got != want:
    print(f"FAIL notify-email.csv's rows are not the drafts' address, subject and body "
          f"({len(got)} rows, {len(want)} expected)"); bad = 1
# Text messages: a UK mobile number and the text of mNN-sms.txt.
head, got = rows("notify-sms.csv")
if head != ["phone number", "body"]:
    print("FAIL notify-sms.csv's header:", head); bad = 1
want = [open(t, encoding="utf-8").read().rstrip("\n")
        for t in sorted(glob.glob(os.path.join(d, "m*-sms.txt")))]
if [r[1] for r in got] != want:
    print("FAIL notify-sms.csv's bodies are not the mNN-sms.txt texts"); bad = 1
for r in got:
    if not re.fullmatch(r"07\d{3} ?\d{6}", r[0]):
        print("FAIL notify-sms.csv: a phone number is not a UK mobile number"); bad = 1
sys.exit(bad)
PY

# check --notify on the example: m01 (standard print, 4-line address) passes, m04 (large
# print, bilingual: 22 pages) fails on its page count, and nothing quotes the letters.
"$kl" check --notify review.xml -o "$tmp/out" >"$tmp/c1" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "check --notify on the example exited $rc, not 1 (m04 has 22 pages)"
grep -qE "^m01 +m01-post.pdf +ok: [0-9]+ pages, [3-7] address lines$" "$tmp/c1" ||
    fail "m01's letter does not pass: $(cat "$tmp/c1")"
grep -qE "^m04 +m04-post.pdf +FAIL" "$tmp/c1" || fail "m04's 22-page letter does not fail"
grep -qE "^ +- 22 pages: Notify takes letters of at most 10 pages$" "$tmp/c1" ||
    fail "m04's failure does not say its 22 pages"
grep -qi "road\|street\|NT[0-9]" "$tmp/c1" && fail "check --notify quotes an address"

# A PDF that breaks every rule, in m01's place.
"$py" - "$dir/m01-post.pdf" <<'PY' || fail "pikepdf could not make the failing PDF"
import sys
import pikepdf
pdf = pikepdf.new()
font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                          BaseFont=pikepdf.Name.Helvetica)
for n in range(2):
    # US Letter; one line of text 5 mm from the left edge at the address's height.
    content = b"BT /F1 11 Tf 14 700 Td (Dear family) Tj ET"
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792],
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                              Contents=pdf.make_stream(content))
    pdf.pages.append(pikepdf.Page(page))
pdf.save(sys.argv[1])
PY
"$kl" check --notify review.xml -o "$tmp/out" >"$tmp/c2" 2>&1
[ $? = 1 ] || fail "check --notify passed a PDF that breaks every rule"
sed -n '/^m01 /,/^m[0-9]* [^ ]/p' "$tmp/c2" >"$tmp/m01"
for want in "not A4 portrait" "font Helvetica (first on page 1) is not embedded" \
    "0 lines of text in Notify's address area" "outside the printable area"; do
    grep -qF "$want" "$tmp/m01" || fail "the failing PDF's report lacks: $want ($(cat "$tmp/m01"))"
done
# Both pages: size and margin; once: the font and the address.
grep -qE "^m01 +m01-post.pdf +FAIL \(6 problems\)" "$tmp/m01" || fail "m01 is not reported with 6 problems"
finish "ok: Notify CSVs read by Python's csv; check --notify passes m01, fails m04 and a broken PDF"
