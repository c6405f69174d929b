#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cases/web/security.sh KINLETTER SOURCE_ROOT: `kinletter serve` (issue 21, item 7)
# probed with curl: the token and the session cookie (HttpOnly, SameSite=Strict), the Host
# check (DNS rebinding), the Origin check and the CSRF token on every POST, the request size
# limit (413), the security headers on every page, hostile uploads refused with the loaders'
# own messages (the hostile CSV and review cases of tests/unit/review_test.c), and a second
# address refused without TLS (exit 2). Exit 77 when curl is missing (.ci/deps installs it),
# unless KL_REQUIRE_BROWSER=1 (.ci/run): then 1.
set -u
kl=$(realpath "$1")
src=$2
command -v curl >/dev/null || {
    echo "curl is missing (bash .ci/deps installs it)"
    [ "${KL_REQUIRE_BROWSER:-0}" = 1 ] && exit 1
    exit 77
}
. "$(dirname "$0")/../lib.sh"
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# A workspace holding the bundled example (the CSV variant) as DIR/<review-id>/review.xml,
# and a review whose file is a billion-laughs document (the loader must refuse it at 2:1).
ws=$tmp/letters
rid=NSCP-2026-017
mkdir -p "$ws/$rid" "$ws/HOSTILE-1"
cp "$src/templates/example/review-csv.xml" "$ws/$rid/review.xml"
cp "$src/templates/example/family.csv" "$src/templates/example/northshire-logo.png" "$ws/$rid/"
cat >"$ws/HOSTILE-1/review.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE review [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<review xmlns="urn:kinletter:review:1">&d;&d;&d;&d;</review>
EOF
# A member with 31 contacts: the family table names every channel (it was cut at 199 bytes).
mkdir -p "$ws/MANY-1"
awk '{ sub(/id="NSCP-2026-017"/, "id=\"MANY-1\""); print }
    /phone="07700 900456"/ { for (i = 0; i < 30; i++)
    printf "      <contact channel=\"email\" email=\"k%d@mail.example\"/>\n", i }' \
    "$src/templates/example/review.xml" >"$ws/MANY-1/review.xml"
cp "$src/templates/example/northshire-logo.png" "$ws/MANY-1/"
chmod 700 "$ws" "$ws"/*

# ---- a second address without TLS: refused before listening, exit 2 -----------------------
timeout 60 "$kl" serve -o "$ws" --port 0 --listen 0.0.0.0 >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
[ "$rc" = 2 ] || fail "serve --listen 0.0.0.0 without TLS exited $rc, expected 2"
grep -qi "tls" "$tmp/err" || fail "serve --listen 0.0.0.0: the message does not say TLS is needed: $(cat "$tmp/err")"
grep -q "^kinletter: serving" "$tmp/out" && fail "serve --listen 0.0.0.0 without TLS said it is serving"

# ---- start on a free port -----------------------------------------------------------------
"$kl" serve -o "$ws" --port 0 >"$tmp/serve.out" 2>"$tmp/serve.err" </dev/null &
pid=$!
line=
for _ in $(seq 1 600); do # up to 60 s for the first line (ASan on a busy machine)
    line=$(head -n 1 "$tmp/serve.out")
    case $line in *"?token="*) break ;; esac
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
re='^kinletter: serving (.*) at http://127\.0\.0\.1:([0-9]+)/\?token=([A-Za-z0-9_-]+)$'
if ! [[ $line =~ $re ]]; then
    echo "FAIL the first line of serve is not the URL: '$line'"
    cat "$tmp/serve.err"
    exit 1
fi
port=${BASH_REMATCH[2]}
token=${BASH_REMATCH[3]}
[ "${#token}" -ge 22 ] || fail "the token has only ${#token} characters (128 bits need 22 in base64url)"
base="http://127.0.0.1:$port"
jar=$tmp/jar

# req NAME EXPECTED-STATUS CURL-ARGS...: the status, with headers in $tmp/h and body in $tmp/b.
req() {
    local name=$1 want=$2
    shift 2
    local got
    got=$(curl -sS -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' --max-time 120 "$@")
    if [ "$got" != "$want" ]; then
        fail "$name: HTTP $got, expected $want"
        head -c 600 "$tmp/b" | sed 's/^/  | /'
        echo
        return 1
    fi
}
header() { # NAME: the header's value in $tmp/h (case-insensitive name)
    tr -d '\r' <"$tmp/h" | sed -n "s/^$1: *//Ip" | tail -n 1
}
csrf_of() { # the value of the first hidden csrf input in $tmp/b
    tr '\n' ' ' <"$tmp/b" | grep -o '<input[^>]*name="csrf"[^>]*>' | head -n 1 |
        sed -n 's/.*value="\([^"]*\)".*/\1/p'
}
# Every response that holds a page must carry the security headers.
headers_ok() { # NAME
    local csp
    csp=$(header Content-Security-Policy)
    [ -n "$csp" ] || fail "$1: no Content-Security-Policy"
    case $csp in *"default-src 'none'"* | *"default-src 'self'"*) ;;
    *) fail "$1: the CSP has no restrictive default-src: $csp" ;; esac
    case $csp in *unsafe-inline* | *unsafe-eval* | *"script-src *"* | *data:*script*)
        fail "$1: the CSP allows inline or foreign script: $csp" ;; esac
    case $csp in *"frame-ancestors 'self'"* | *"frame-ancestors 'none'"*) ;;
    *) fail "$1: the CSP has no frame-ancestors 'self': $csp" ;; esac
    [ "$(header X-Content-Type-Options)" = nosniff ] || fail "$1: X-Content-Type-Options is not nosniff"
    header Cache-Control | grep -q no-store || fail "$1: Cache-Control lacks no-store"
}

# ---- the token and the session -------------------------------------------------------------
req "GET / without a token" 403 "$base/"
headers_ok "the 403 page"
req "GET /reviews without a session" 403 "$base/reviews"
req "GET /reviews/$rid without a session" 403 "$base/reviews/$rid"
req "GET /reviews/$rid/family.csv without a session" 403 "$base/reviews/$rid/family.csv"
grep -q "Zofia\|Nowak" "$tmp/b" && fail "the 403 page quotes the family"
req "GET / with a wrong token" 403 "$base/?token=${token%?}x"
req "GET / with a wrong session cookie" 403 -H "Cookie: kl_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$base/reviews"
req "GET /?token=TOKEN" 303 -c "$jar" "$base/?token=$token"
loc=$(header Location)
case $loc in /reviews | "$base/reviews") ;; *) fail "GET /?token=TOKEN redirects to '$loc', not /reviews" ;; esac
cookie=$(tr -d '\r' <"$tmp/h" | grep -i '^set-cookie: *kl_session=' | head -n 1)
[ -n "$cookie" ] || fail "GET /?token=TOKEN sets no kl_session cookie"
echo "$cookie" | grep -qi '; *HttpOnly' || fail "the session cookie is not HttpOnly: $cookie"
echo "$cookie" | grep -qi '; *SameSite=Strict' || fail "the session cookie is not SameSite=Strict: $cookie"
echo "$cookie" | grep -q "$token" && fail "the session cookie is the URL's token"
req "GET /reviews with the session" 200 -b "$jar" "$base/reviews" || exit 1
headers_ok "/reviews"
grep -q "$rid" "$tmp/b" || fail "/reviews does not list $rid"

req "GET /reviews/MANY-1 (31 contacts)" 200 -b "$jar" "$base/reviews/MANY-1" &&
    { /usr/bin/python3 - "$tmp/b" <<'PY' || fail "the family table does not name m03's 31 channels"
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
row = page[page.index('id="member-m03"'):]
row = row[:row.index("</tr>")]
cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
want = ", ".join(["Email", "Text message"] + ["Email"] * 30)
sys.exit(0 if want in cells else 1)
PY
}

# ---- the Host header (DNS rebinding) ------------------------------------------------------
req "GET /reviews with Host: evil.example" 403 -b "$jar" -H "Host: evil.example:$port" "$base/reviews"
req "GET /reviews with Host: 127.0.0.1.evil.example" 403 -b "$jar" -H "Host: 127.0.0.1.evil.example" "$base/reviews"
req "GET /?token with a wrong Host" 403 -H "Host: attacker.example" "$base/?token=$token"

# ---- every page: the security headers ------------------------------------------------------
for p in /reviews /reviews/new "/reviews/$rid" "/reviews/$rid/edit" "/reviews/$rid/members/new" \
    "/reviews/$rid/family/upload" "/reviews/$rid/generate" "/reviews/$rid/record"; do
    req "GET $p" 200 -b "$jar" "$base$p" && headers_ok "$p"
    ct=$(header Content-Type)
    case $ct in "text/html; charset=utf-8" | "text/html; charset=UTF-8") ;;
    *) fail "GET $p: Content-Type '$ct'" ;; esac
done
req "GET /reviews/$rid/family.csv" 200 -b "$jar" "$base/reviews/$rid/family.csv" && headers_ok family.csv
head -n 1 "$tmp/b" | grep -q '^"\?id"\?,"\?title' || fail "family.csv does not start with the header row: $(head -c 80 "$tmp/b")"
req "GET /reviews/$rid/preview/m01/notification.pdf" 200 -b "$jar" \
    "$base/reviews/$rid/preview/m01/notification.pdf" && headers_ok "the preview PDF"
head -c 5 "$tmp/b" | grep -q '%PDF-' || fail "the preview PDF is not a PDF"
req "a path outside the workspace" 404 -b "$jar" --path-as-is "$base/reviews/$rid/files/../../../etc/passwd"
grep -q "root:" "$tmp/b" && fail "/reviews/$rid/files/../../../etc/passwd served /etc/passwd"
req "an unknown review" 404 -b "$jar" "$base/reviews/NO-SUCH-REVIEW"

# ---- CSRF and Origin on POST ----------------------------------------------------------------
req "GET /reviews/$rid/family/upload" 200 -b "$jar" "$base/reviews/$rid/family/upload"
csrf=$(csrf_of)
[ -n "$csrf" ] || fail "the upload form has no hidden csrf input"
form=$(tr '\n' ' ' <"$tmp/b" | grep -o '<form[^>]*>' | head -n 1)
echo "$form" | grep -q 'method="post"' || fail "the upload form is not method=post: $form"
echo "$form" | grep -q 'enctype="multipart/form-data"' || fail "the upload form is not multipart: $form"
printf 'id,given,relationship,gender,locale,channels\nm01,A,mother,female,en-GB,post\n' >"$tmp/small.csv"
up="$base/reviews/$rid/family/upload"
req "POST without csrf" 403 -b "$jar" -H "Origin: $base" -F "family=@$tmp/small.csv;type=text/csv" "$up"
req "POST with a wrong csrf" 403 -b "$jar" -H "Origin: $base" -F "csrf=${csrf}x" -F "family=@$tmp/small.csv;type=text/csv" "$up"
req "POST with a foreign Origin" 403 -b "$jar" -H "Origin: http://evil.example" -F "csrf=$csrf" -F "family=@$tmp/small.csv;type=text/csv" "$up"
req "POST with Origin: null" 403 -b "$jar" -H "Origin: null" -F "csrf=$csrf" -F "family=@$tmp/small.csv;type=text/csv" "$up"
req "POST with the csrf but no session" 403 -H "Origin: $base" -F "csrf=$csrf" -F "family=@$tmp/small.csv;type=text/csv" "$up"
req "POST urlencoded without csrf to /reviews/new" 403 -b "$jar" -H "Origin: $base" --data "id=X-1" "$base/reviews/new"
req "POST urlencoded with a foreign Origin to /reviews/$rid/record" 403 -b "$jar" -H "Origin: http://evil.example" \
    --data "csrf=$csrf" "$base/reviews/$rid/record"
cmp -s "$ws/$rid/review.xml" "$src/templates/example/review-csv.xml" || fail "a refused POST changed review.xml"

# ---- size limits: 413 ----------------------------------------------------------------------
head -c 3000000 /dev/zero | tr '\0' 'a' >"$tmp/big.csv"
req "a 3 MB upload" 413 -b "$jar" -H "Origin: $base" -F "csrf=$csrf" -F "family=@$tmp/big.csv;type=text/csv" "$up"
req "a 3 MB form" 413 -b "$jar" -H "Origin: $base" --data-binary "@$tmp/big.csv" \
    -H "Content-Type: application/x-www-form-urlencoded" "$base/reviews/new"
cmp -s "$ws/$rid/review.xml" "$src/templates/example/review-csv.xml" || fail "a refused upload changed review.xml"

# ---- hostile uploads: the CSV loader's own message, at the row and column ----------------------
# hostile NAME EXPECTED-MESSAGE: upload $tmp/hostile.csv; the page says the loader's message
# in the error summary, and the family on disk is unchanged.
hostile() {
    req "GET the upload form ($1)" 200 -b "$jar" "$base/reviews/$rid/family/upload"
    csrf=$(csrf_of)
    if req "upload $1" 400 -b "$jar" -H "Origin: $base" -F "csrf=$csrf" \
        -F "family=@$tmp/hostile.csv;type=text/csv;filename=family.csv" "$up"; then
        headers_ok "upload $1"
        grep -q 'class="error-summary"' "$tmp/b" || fail "upload $1: no .error-summary"
        grep -qF "$2" "$tmp/b" || {
            fail "upload $1: the page does not say '$2'"
            sed 's/<[^>]*>/ /g' "$tmp/b" | tr -s ' \n' | grep -i "row\|column\|:[0-9]" | head -5
        }
    fi
    cmp -s "$ws/$rid/review.xml" "$src/templates/example/review-csv.xml" || fail "upload $1 changed review.xml"
}
printf 'id,given,relationship,gender,channels\nm01,A,mother,female,post\n' >"$tmp/hostile.csv"
hostile "no locale column" "the header has no 'locale' column"
printf 'id,given,relationship,gender,locale,channels,email\nm01,"A,mother,female,en-GB,post,\n' >"$tmp/hostile.csv"
hostile "an unclosed quote" "a quoted field starts here and is never closed"
printf 'id,given,relationship,gender,locale,channels\nm01,caf\351,mother,female,en-GB,post\n' >"$tmp/hostile.csv"
hostile "a Latin-1 byte" "is not UTF-8"
printf 'id,given,relationship,gender,locale,channels\nm01,a\000b,mother,female,en-GB,post\n' >"$tmp/hostile.csv"
hostile "a NUL byte" "is not UTF-8 (or a NUL)"
{
    printf 'id,given,relationship,gender,locale,channels'
    for i in $(seq 1 300); do printf ',x%d' "$i"; done
    printf '\n'
} >"$tmp/hostile.csv"
hostile "300 columns" "row has more than 256 fields"
printf 'id,given,relationship,gender,locale,channels,Locale\nm01,A,mother,female,en-GB,post,en-GB\n' >"$tmp/hostile.csv"
hostile "a column twice" "column 'locale' appears twice"

# ---- the hostile review: refused with the loader's message, without a crash or an expansion ----
got=$(curl -sS -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' --max-time 120 -b "$jar" "$base/reviews/HOSTILE-1")
case $got in
200 | 400 | 404 | 422) ;;
*) fail "GET /reviews/HOSTILE-1 (a billion-laughs review.xml): HTTP $got" ;;
esac
headers_ok "/reviews/HOSTILE-1"
grep -qF "review.xml:2:1: a DOCTYPE or entity declaration is not allowed" "$tmp/b" ||
    fail "the billion-laughs review is not refused with the loader's message (review.xml:2:1: a DOCTYPE ...)"
grep -q "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "$tmp/b" && fail "the billion laughs were expanded"
# A review that is there but cannot be read is not "not found": the page says so, with the
# loader's message; a review that is not there is.
grep -q "<h1[^>]*>This review could not be read</h1>" "$tmp/b" ||
    fail "the unreadable review's page is not titled 'This review could not be read'"
grep -q "Review not found" "$tmp/b" && fail "the unreadable review's page says 'Review not found'"
req "GET a review that does not exist" 404 -b "$jar" "$base/reviews/NO-SUCH-1" &&
    { grep -q "<h1[^>]*>Review not found</h1>" "$tmp/b" || fail "a missing review is not 'Review not found'"; }
req "GET /reviews after the hostile review" 200 -b "$jar" "$base/reviews"

# ---- a spreadsheet formula in a name: accepted as text, and exported so Excel shows it as text ----
printf 'id,given,relationship,gender,locale,channels,address,postcode\nm01,"=HYPERLINK(""http://evil.example"")",mother,female,en-GB,post,1 High Street,NT1 1AA\n' >"$tmp/formula.csv"
req "GET the upload form (a formula)" 200 -b "$jar" "$base/reviews/$rid/family/upload"
csrf=$(csrf_of)
req "upload a name that is a formula" 303 -b "$jar" -H "Origin: $base" -F "csrf=$csrf" \
    -F "family=@$tmp/formula.csv;type=text/csv;filename=family.csv" "$up"
req "GET family.csv after the formula" 200 -b "$jar" "$base/reviews/$rid/family.csv"
grep -q "^\"\?m01\"\?,[^,]*,\"'=HYPERLINK" "$tmp/b" ||
    fail "family.csv exports the formula so a spreadsheet would run it: $(sed -n 2p "$tmp/b")"

# ---- a damaged PNG as the logo: refused on the form, nothing kept (libpng would abort) -----------
/usr/bin/python3 - "$tmp/damaged.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 50, 10, 8, 2, 0, 0, 0))
                              + chunk(b'IDAT', b'not deflate data') + chunk(b'IEND', b''))
PY
cp "$ws/$rid/review.xml" "$tmp/before-logo.xml"
req "GET the review form (a damaged logo)" 200 -b "$jar" "$base/reviews/$rid/edit"
# The date inputs are type=date (the browser's own format): no hint in another format.
grep -q 'type="date"' "$tmp/b" || fail "the review form has no date input"
grep -q "For example 2026-" "$tmp/b" && fail "the review form hints a date as 2026-MM-DD beside a date input"
csrf=$(csrf_of)
req "a damaged PNG as the logo" 400 -b "$jar" -H "Origin: $base" -F "csrf=$csrf" \
    -F "logo=@$tmp/damaged.png;type=image/png;filename=logo.png" "$base/reviews/$rid/edit" &&
    { grep -q "not a complete PNG image" "$tmp/b" || fail "the damaged logo is not refused beside its field"; }
[ -e "$ws/$rid/logo.png" ] && fail "the damaged logo was written to the workspace"
cmp -s "$ws/$rid/review.xml" "$tmp/before-logo.xml" || fail "the damaged logo changed review.xml"

# ---- a support service on row 150: any number of rows is read (rows after 99 were dropped) ----
req "GET the review form (row 150)" 200 -b "$jar" "$base/reviews/$rid/edit"
# The form's fields as a browser sends them, and a service on row 150, as curl --form-string.
/usr/bin/python3 - "$tmp/b" >"$tmp/form.curl" <<'PY'
import html.parser, sys
class Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.fields = []; self.select = self.area = None
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == 'input' and a.get('name') and a.get('type') not in ('file', 'submit'):
            if a.get('type') not in ('radio', 'checkbox') or 'checked' in a:
                self.fields.append([a['name'], a.get('value') or ''])
        elif tag == 'select':
            self.select = a.get('name')
        elif tag == 'option' and self.select and 'selected' in a:
            self.fields.append([self.select, a.get('value') or ''])
        elif tag == 'textarea':
            self.area = [a.get('name'), '']; self.fields.append(self.area)
    def handle_endtag(self, tag):
        if tag == 'select': self.select = None
        if tag == 'textarea': self.area = None
    def handle_data(self, d):
        if self.area: self.area[1] += d
f = Form(); f.feed(open(sys.argv[1], encoding='utf-8').read())
for name, value in f.fields + [['service-150-name', 'Row One Fifty Helpline'], ['service-150-phone', '0800 150 150']]:
    q = lambda s: s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')
    print('form-string = "%s=%s"' % (q(name), q(value)))
PY
req "a support service on row 150" 303 -b "$jar" -H "Origin: $base" -K "$tmp/form.curl" \
    "$base/reviews/$rid/edit"
grep -q '<service name="Row One Fifty Helpline" phone="0800 150 150"/>' "$ws/$rid/review.xml" ||
    fail "the service on row 150 was not saved: $(grep -o '<support>.*</support>' "$ws/$rid/review.xml")"
req "GET the review form after row 150" 200 -b "$jar" "$base/reviews/$rid/edit"
grep -q 'value="Row One Fifty Helpline"' "$tmp/b" || fail "the review form does not show the service of row 150"

kill -0 "$pid" 2>/dev/null || fail "the server died during the test"
# SIGTERM: the server stops; under ASan/LSan any leak or memory error is reported here.
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
pid=
case $rc in 0 | 143) ;; *) fail "the server exited $rc on SIGTERM" ;; esac
grep -q "Sanitizer\|runtime error:" "$tmp/serve.err" && {
    fail "the server's sanitizer report:"
    head -60 "$tmp/serve.err"
}
grep -q "Zofia\|Nowak\|07700\|NT2 7QP\|12 Elm Road" "$tmp/serve.err" &&
    fail "the server's log quotes the family: $(grep -m 3 "Zofia\|Nowak\|07700" "$tmp/serve.err")"
finish "ok: kinletter serve security"
