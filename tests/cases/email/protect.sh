#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cases/email/protect.sh KINLETTER SOURCE_ROOT: generate --protect (and the review's
# <protect email="true"/>): each email member's PDF is AES-256 (R6) encrypted as qpdf reports it,
# with printing and accessibility extraction allowed; it opens with the password of
# mNN-password-sms.txt and no other; decrypted, it still passes the PDF/UA checks; the .eml
# attaches the protected PDF; the password is in no other file and not in the record.
set -u
kl=$(realpath "$1")
src=$2
py=/usr/bin/python3
. "$(dirname "$0")/../lib.sh"
cp -r "$src/templates/example" "$tmp/example"
(cd "$tmp/example" && "$kl" generate review.xml --protect --date 2026-11-27 -o "$tmp/out" >"$tmp/log" 2>&1)
rc=$?
[ "$rc" = 0 ] || {
    echo "FAIL generate --protect exited $rc"
    cat "$tmp/log"
    exit 1
}
dir="$tmp/out/NSCP-2026-017/notification"
grep -q "Protected PDFs" "$tmp/log" || fail "the summary does not list the passwords to pass on"
mkdir -p "$tmp/plain"
for m in m03 m07; do
    pdf="$dir/$m-email.pdf"
    sms="$dir/$m-password-sms.txt"
    [ -f "$sms" ] || {
        fail "$m-password-sms.txt was not written"
        continue
    }
    [ "$(stat -c %a "$sms")" = 600 ] || fail "$m-password-sms.txt is not 0600"
    grep -q "  $m  *$m-password-sms.txt" "$tmp/log" || fail "the summary does not list $m's password file"
    pw=$(grep -xE '[a-z]+(-[a-z]+){3}' "$sms")
    [ -n "$pw" ] || {
        fail "$m-password-sms.txt holds no four-word password"
        continue
    }
    # A text message in GSM-7's basic characters: one plain SMS alphabet, no UCS-2.
    LC_ALL=C grep -q '[^][A-Za-z0-9 @$_!"#%&'"'"'()*+,./:;<=>?\n-]' "$sms" &&
        fail "$m-password-sms.txt has a character outside GSM-7's basic set"
    enc=$(qpdf --show-encryption "$pdf" 2>&1)
    echo "$enc" | grep -q "^R = 6$" || fail "$m-email.pdf is not encrypted with R6: $enc"
    echo "$enc" | grep -q "file encryption method: AESv3" || fail "$m-email.pdf is not AES-256"
    echo "$enc" | grep -q "extract for accessibility: allowed" || fail "$m: accessibility extraction not allowed"
    echo "$enc" | grep -q "print high resolution: allowed" || fail "$m: printing not allowed"
    echo "$enc" | grep -q "modify other: not allowed" || fail "$m: modification allowed"
    qpdf --decrypt --password="not-the-password" "$pdf" "$tmp/wrong.pdf" >/dev/null 2>&1 &&
        fail "$m-email.pdf opens with a wrong password"
    qpdf --requires-password "$pdf"
    [ $? = 0 ] || fail "$m-email.pdf opens without a password"
    qpdf --decrypt --password="$pw" "$pdf" "$tmp/plain/$m-email.pdf" ||
        fail "$m-email.pdf does not open with the password of $m-password-sms.txt"
    qpdf --show-encryption "$tmp/plain/$m-email.pdf" | grep -q "not encrypted" ||
        fail "$m: the decrypted copy is still encrypted"
    # Object streams kept through the encryption (the same size as an unprotected letter).
    qpdf --password="$pw" --show-xref "$pdf" | grep -q ": compressed; stream = " ||
        fail "$m-email.pdf has no object streams"
    # The password is in no other file of the batch, nor in the record.
    others=$(grep -rlF -- "$pw" "$tmp/out" | grep -v -- "/$m-password-sms.txt$")
    [ -z "$others" ] || fail "$m's password is also in: $others"
    grep -q "^$m,.*,email,$m-password-sms.txt,,,written," "$dir/record.csv" ||
        fail "record.csv lists $m-password-sms.txt with a SHA-256 (or not at all)"
done
# The draft attaches the protected PDF, byte for byte.
"$py" - "$dir" m03 m07 <<'PY' || fails=$((fails + 1))
import email, email.policy, sys
d = sys.argv[1]
bad = 0
for m in sys.argv[2:]:
    with open(f"{d}/{m}-email.eml", "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    pdfs = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    with open(f"{d}/{m}-email.pdf", "rb") as f:
        want = f.read()
    if len(pdfs) != 1 or pdfs[0].get_content() != want:
        print(f"FAIL {m}-email.eml does not attach the protected {m}-email.pdf")
        bad = 1
    if b"/Encrypt" not in want:
        print(f"FAIL {m}-email.pdf has no /Encrypt")
        bad = 1
sys.exit(bad)
PY
# The record: one password-issued event per protected member, with no hash; the
# member's state is still "written".
"$py" - "$tmp/out/record.db" <<'PY' || fails=$((fails + 1))
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT member_id, file, sha256, note FROM event WHERE kind = 'password-issued'"
                  " ORDER BY member_id").fetchall()
want = [("m03", "m03-password-sms.txt", "", ""), ("m07", "m07-password-sms.txt", "", "")]
if rows != want:
    print("FAIL the record's password-issued events:", rows)
    sys.exit(1)
PY
"$kl" status "$src/templates/example/review.xml" -o "$tmp/out" >"$tmp/status" 2>&1 ||
    fail "kinletter status failed: $(cat "$tmp/status")"
grep -E "^ *m03 " "$tmp/status" | grep -q written || fail "status does not show m03 as written"
# Decrypted, every protected letter still passes the PDF/UA checks.
"$py" "$src/tests/cases/pdfua/pdfua_check.py" --review "$src/templates/example/review.xml" \
    "$tmp/plain/m03-email.pdf" "$tmp/plain/m07-email.pdf" >"$tmp/ua.log" 2>&1 || {
    fail "the decrypted PDFs fail the PDF/UA checks"
    cat "$tmp/ua.log"
}
# The review's <protect email="true"/> asks for the same without --protect; without
# either, nothing is encrypted.
sed 's|^\(<review .*>\)$|\1<protect email="true"/>|' \
    "$tmp/example/review.xml" >"$tmp/example/protected.xml"
grep -q '<protect email="true"/>' "$tmp/example/protected.xml" || fail "could not add <protect>"
(cd "$tmp/example" && "$kl" generate protected.xml -m m03 --date 2026-11-27 -o "$tmp/out2" >"$tmp/log2" 2>&1) ||
    fail "generate with <protect email=\"true\"/> failed: $(cat "$tmp/log2")"
qpdf --requires-password "$tmp/out2/NSCP-2026-017/notification/m03-email.pdf" ||
    fail "<protect email=\"true\"/> did not protect m03-email.pdf"
(cd "$tmp/example" && "$kl" generate review.xml -m m03 --date 2026-11-27 -o "$tmp/out3" >"$tmp/log3" 2>&1) ||
    fail "generate failed: $(cat "$tmp/log3")"
qpdf --requires-password "$tmp/out3/NSCP-2026-017/notification/m03-email.pdf" &&
    fail "m03-email.pdf is encrypted without --protect"
[ -e "$tmp/out3/NSCP-2026-017/notification/m03-password-sms.txt" ] &&
    fail "a password file was written without --protect"
# The word list: 2048 distinct words of 3 to 7 small letters (a power of two, so each
# word is drawn equally often), and two runs give different passwords.
"$py" - "$src/lib/mail/words.txt" <<'PY' || fails=$((fails + 1))
import re, sys
words = open(sys.argv[1], encoding="ascii").read().split("\n")[:-1]
if len(words) != 2048 or len(set(words)) != 2048 or not all(re.fullmatch(r"[a-z]{3,7}", w) for w in words):
    print("FAIL lib/mail/words.txt is not 2048 distinct words of 3-7 letters a-z")
    sys.exit(1)
PY
(cd "$tmp/example" && "$kl" generate protected.xml -m m03 --date 2026-11-27 -o "$tmp/out4" >/dev/null 2>&1)
cmp -s "$tmp/out2/NSCP-2026-017/notification/m03-password-sms.txt" \
    "$tmp/out4/NSCP-2026-017/notification/m03-password-sms.txt" &&
    fail "two runs gave the same password"
finish "ok: m03 and m07 protected (AES-256 R6), decrypted and PDF/UA-checked"
