#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cases/serve/tls.sh KINLETTER: `kinletter serve` beyond loopback (docs/WEB.md, "Running
# on a shared server"): refused without --users; --hash-password makes a yescrypt hash that
# crypt(3) accepts; over HTTPS (a throwaway certificate from openssl) the sign-in page takes
# the right password only, the session cookie is Secure, plain HTTP gets no page, and a
# change made through the page is in DIR/audit.log and the record under the user's name.
set -u
kl=$(realpath "$1")
command -v curl >/dev/null && command -v openssl >/dev/null || {
    echo "curl or openssl is missing (bash .ci/deps installs them)"
    exit 77
}
. "$(dirname "$0")/../lib.sh"
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
    -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 ||
    openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
        -subj /CN=localhost >/dev/null 2>&1 || {
    echo "FAIL openssl could not make a certificate"
    exit 1
}

# --hash-password: too short refused; a good one gives $y$ (yescrypt).
echo "short" | "$kl" serve --hash-password >hash 2>err
[ $? = 2 ] || fail "--hash-password took a 5-character password"
printf 'correct horse battery staple\n' | "$kl" serve --hash-password >hash 2>err ||
    fail "--hash-password failed: $(cat err)"
grep -q '^\$y\$' hash || fail "--hash-password did not print a yescrypt hash: $(cat hash)"
# A password longer than --hash-password reads is refused, never hashed in part.
head -c 600 /dev/zero | tr '\0' x | "$kl" serve --hash-password >long-hash 2>err
[ $? = 2 ] || fail "--hash-password took a 600-character password (exit not 2)"
grep -q "at most 510 characters" err || fail "a too long password: the message names no limit: $(cat err)"
[ -s long-hash ] && fail "--hash-password printed a hash of part of a 600-character password"
printf '# the review team\ncoord1:%s\n' "$(cat hash)" >users
chmod 600 users

# Another address: refused without --users (and without TLS), exit 2, nothing served.
"$kl" serve -o ws --port 0 --listen 0.0.0.0 --tls-cert cert.pem --tls-key key.pem \
    >out 2>err </dev/null
[ $? = 2 ] || fail "--listen 0.0.0.0 without --users did not exit 2"
grep -q "users" err || fail "--listen without --users does not say users are needed: $(cat err)"
printf 'coord1:not-a-hash\n' >bad-users
"$kl" serve -o ws --port 0 --listen 0.0.0.0 --tls-cert cert.pem --tls-key key.pem \
    --users bad-users >out 2>err </dev/null
[ $? = 2 ] || fail "a users file without hashes was accepted"
grep -q "line 1" err || fail "a bad users file's message names no line: $(cat err)"
# A line longer than the users file's reader takes is refused by number, not cut.
{ printf 'coord1:%s\n' "$(cat hash)"; printf 'coord2:$y$%s\n' "$(head -c 1100 /dev/zero | tr '\0' j)"; } >long-users
"$kl" serve -o ws --port 0 --listen 0.0.0.0 --tls-cert cert.pem --tls-key key.pem \
    --users long-users >out 2>err </dev/null
[ $? = 2 ] || fail "a users file with a 1,100-character line was accepted"
grep -q "line 2 is longer than 1022 characters" err || fail "a too long users line: $(cat err)"
# A PEM file over 1 MiB is refused naming the limit (it was "cannot be read" with no reason).
{ cat cert.pem; head -c 1100000 /dev/zero | tr '\0' '#'; } >big-cert.pem
"$kl" serve -o ws --port 0 --listen 127.0.0.1 --tls-cert big-cert.pem --tls-key key.pem \
    --users users >out 2>err </dev/null
[ $? = 2 ] || fail "a 1.1 MB certificate file was accepted"
grep -q "larger than 1 MiB" err || fail "a too large PEM file: the limit is not named: $(cat err)"
# A --server-name longer than a host name can be is refused (it was cut to fit).
"$kl" serve -o ws --port 0 --server-name "$(head -c 300 /dev/zero | tr '\0' h)" >out 2>err </dev/null
[ $? = 2 ] || fail "a 300-character --server-name was accepted"
grep -q "at most 253 characters" err || fail "a too long --server-name: $(cat err)"

"$kl" serve -o ws --port 0 --listen 127.0.0.1 --tls-cert cert.pem --tls-key key.pem \
    --users users >serve.out 2>serve.err </dev/null &
pid=$!
line=
for _ in $(seq 1 600); do
    line=$(head -n 1 serve.out)
    case $line in *"/login") break ;; esac
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
re='^kinletter: serving (.*) at https://127\.0\.0\.1:([0-9]+)/login$'
[[ $line =~ $re ]] || {
    echo "FAIL the first line is not the sign-in address: '$line'"
    cat serve.err
    exit 1
}
base="https://127.0.0.1:${BASH_REMATCH[2]}"
c() { curl -sS -k --noproxy '*' --max-time 60 "$@"; }
csrf_of() { tr '\n' ' ' <"$1" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 |
    sed 's/.*value="//;s/"//'; }

code=$(curl -s --noproxy '*' --max-time 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${BASH_REMATCH[2]}/reviews")
[ "$code" = 000 ] || fail "plain HTTP got HTTP $code, expected no page"
code=$(c -o /dev/null -w '%{http_code}' "$base/reviews")
[ "$code" = 303 ] || fail "/reviews without signing in: HTTP $code, expected 303 to /login"
c -c jar -o login.html "$base/login"
csrf=$(csrf_of login.html)
[ -n "$csrf" ] || fail "the sign-in page has no csrf input"
code=$(c -b jar -c jar -o page.html -w '%{http_code}' --data "csrf=$csrf" \
    --data username=coord1 --data password=wrong "$base/login")
[ "$code" = 403 ] || fail "a wrong password: HTTP $code, expected 403"
grep -q 'class="error-summary"' page.html || fail "a wrong password shows no error summary"
code=$(c -b jar -c jar -D h -o /dev/null -w '%{http_code}' --data "csrf=$csrf" \
    --data username=coord1 --data-urlencode "password=correct horse battery staple" \
    "$base/login")
[ "$code" = 303 ] || fail "the right password: HTTP $code, expected 303"
grep -i '^set-cookie: kl_session=' h | grep -qi '; *Secure' || fail "the session cookie is not Secure"
grep -qi '^strict-transport-security:' h || fail "no Strict-Transport-Security over HTTPS"
code=$(c -b jar -o page.html -w '%{http_code}' "$base/reviews")
[ "$code" = 200 ] || fail "/reviews after signing in: HTTP $code"

# A change through the page: the example review, then a letter marked sent... named coord1.
csrf=$(csrf_of page.html)
code=$(c -b jar -o /dev/null -w '%{http_code}' -H "Origin: $base" --data "csrf=$csrf" \
    "$base/reviews/example")
[ "$code" = 303 ] || fail "adding the example review: HTTP $code"
[ -f ws/NSCP-2026-017/review.xml ] || fail "the example review was not written"
c -b jar -o rec.html "$base/reviews/NSCP-2026-017/record"
csrf=$(csrf_of rec.html)
code=$(c -b jar -o page.html -w '%{http_code}' -H "Origin: $base" --data "csrf=$csrf" \
    --data action=event --data event=replied --data member=m01 "$base/reviews/NSCP-2026-017/record")
[ "$code" = 303 ] || fail "recording a reply: HTTP $code ($(sed 's/<[^>]*>/ /g' page.html | tr -s ' ' | head -c 300))"
grep -q "coord1	review-created	NSCP-2026-017" ws/audit.log || fail "audit.log lacks the user's review-created line: $(cat ws/audit.log)"
grep -q "coord1	replied	NSCP-2026-017	m01" ws/audit.log || fail "audit.log lacks the user's replied line"
if command -v sqlite3 >/dev/null; then
    sqlite3 ws/record.db .dump | grep -q coord1 || fail "the record's event does not name coord1"
fi
grep -q "Zofia\|Nowak\|12 Elm Road" ws/audit.log serve.err && fail "personal data in audit.log or the server's log"

# Password guessing: after 5 wrong passwords the name is paused, even for the right one.
for i in 1 2 3 4 5; do
    c -b jar2 -c jar2 -o login2.html "$base/login"
    csrf=$(csrf_of login2.html)
    c -b jar2 -c jar2 -o /dev/null --data "csrf=$csrf" --data username=coord1 \
        --data password="guess$i" "$base/login"
done
# Wrong passwords for 40 other names do not push coord1's count out (a table of 32 did).
c -b jar2 -c jar2 -o login2.html "$base/login"
csrf=$(csrf_of login2.html)
for i in $(seq 1 40); do
    c -b jar2 -c jar2 -o /dev/null --data "csrf=$csrf" --data username="other$i" \
        --data password=guess "$base/login"
done
c -b jar2 -c jar2 -o login2.html "$base/login"
csrf=$(csrf_of login2.html)
code=$(c -b jar2 -c jar2 -o page.html -w '%{http_code}' --data "csrf=$csrf" --data username=coord1 \
    --data-urlencode "password=correct horse battery staple" "$base/login")
[ "$code" = 403 ] || fail "after 5 wrong passwords (and 40 for other names) the right one signed in (HTTP $code)"
grep -q "Too many wrong passwords" page.html || fail "the paused sign-in does not say why"

# Signing out: the page names the user and offers Sign out; after it the session is gone.
c -b jar -o page.html "$base/reviews"
grep -q "Signed in as coord1" page.html || fail "the page does not say who is signed in"
csrf=$(csrf_of page.html)
old=$(awk '$6 == "kl_session" { print $7 }' jar)
code=$(c -b jar -c jar -o /dev/null -w '%{http_code}' -H "Origin: $base" --data "csrf=$csrf" "$base/logout")
[ "$code" = 303 ] || fail "signing out: HTTP $code"
code=$(c -b jar -o /dev/null -w '%{http_code}' "$base/reviews")
[ "$code" = 303 ] || fail "/reviews after signing out: HTTP $code, expected 303 to /login"
code=$(c -H "Cookie: kl_session=$old" -o /dev/null -w '%{http_code}' "$base/reviews")
[ -n "$old" ] && [ "$code" = 303 ] || fail "the old session cookie still works after signing out (HTTP $code)"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" = 0 ] || fail "the server exited $rc on SIGTERM"
grep -q "Sanitizer\|runtime error:" serve.err && {
    fail "the server's sanitizer report:"
    head -40 serve.err
}
finish "ok: kinletter serve with TLS and named users"
