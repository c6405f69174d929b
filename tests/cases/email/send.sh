#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cases/email/send.sh KINLETTER SOURCE_ROOT: kinletter send against a real SMTP server
# (aiosmtpd, smtp_server.py) on 127.0.0.1 with STARTTLS (a certificate made here) and AUTH:
# a dry run sends nothing and lists member, address, file and SHA-256; every message arrives
# byte for byte as its .eml, over TLS, authenticated, to the member's address only, and the
# record shows it sent with the server's reply; a refused recipient is reported (never by
# address) while the rest go on; a run again sends only what was not sent; a dropped
# connection stops the batch cleanly; a credentials file others can read, a wrong password,
# an unverified certificate and plain SMTP to a host that is not loopback are refused.
set -u
kl=$(realpath "$1")
src=$2
py=/usr/bin/python3
. "$(dirname "$0")/../lib.sh"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
for tool in openssl sha256sum; do
    command -v $tool >/dev/null || {
        echo "FAIL $tool is missing"
        exit 1
    }
done
"$py" -c 'import aiosmtpd' 2>/dev/null || {
    echo "FAIL python3-aiosmtpd is missing (.ci/deps)"
    exit 1
}

# A server certificate for 127.0.0.1 and localhost, and the CA file curl is to trust.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1 || {
    echo "FAIL openssl could not make a certificate"
    exit 1
}
# start NAME ARGS...: a server; its port in $port
start() {
    local name=$1
    shift
    rm -f "$tmp/$name.port"
    "$py" "$src/tests/cases/email/smtp_server.py" --port-file "$tmp/$name.port" \
        --maildir "$tmp/$name" "$@" 2>"$tmp/$name.log" &
    pids+=($!)
    for _ in $(seq 1 100); do
        [ -s "$tmp/$name.port" ] && break
        sleep 0.1
    done
    [ -s "$tmp/$name.port" ] || {
        echo "FAIL the SMTP server $name did not start"
        cat "$tmp/$name.log"
        exit 1
    }
    port=$(cat "$tmp/$name.port")
}
tls=(--cert "$tmp/cert.pem" --key "$tmp/key.pem" --user coordinator --password 'correct horse 7')
printf 'user=coordinator\npassword=correct horse 7\n' >"$tmp/creds"
chmod 600 "$tmp/creds"

cp -r "$src/templates/example" "$tmp/example"
cd "$tmp/example" || exit 1
"$kl" generate review.xml --date 2026-11-27 -o "$tmp/out" >"$tmp/gen.log" 2>&1
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || {
    echo "FAIL generate exited $rc"
    cat "$tmp/gen.log"
    exit 1
}
dir="$tmp/out/NSCP-2026-017/notification"
# The email members and their addresses, from the drafts generate wrote.
mapfile -t members < <(cd "$dir" && ls -- *-email.eml | sed 's/-email.eml$//')
[ "${#members[@]}" -ge 2 ] || {
    echo "FAIL the example has fewer than 2 email drafts: ${members[*]}"
    exit 1
}
addr() { "$py" -c 'import email.policy,email,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default); print(m["To"].addresses[0].addr_spec)' "$dir/$1-email.eml"; }
first=${members[0]}
second=${members[1]}
second_addr=$(addr "$second")

# 1. A credentials file others can read is refused, and nothing is said of its contents.
start main "${tls[@]}" --refuse "$second_addr"
cp "$tmp/creds" "$tmp/creds-open"
chmod 644 "$tmp/creds-open"
"$kl" send review.xml -o "$tmp/out" --smtp "smtp://127.0.0.1:$port" --credentials "$tmp/creds-open" \
    --cacert "$tmp/cert.pem" --yes >"$tmp/o1" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "a 0644 credentials file: exit $rc, not 2"
grep -q "chmod 600" "$tmp/o1" || fail "a 0644 credentials file: no hint to chmod 600"
grep -q "correct horse" "$tmp/o1" && fail "the password was printed"
"$kl" send review.xml -o "$tmp/out" --smtp "smtp://127.0.0.1:$port" --password x >/dev/null 2>&1
[ $? = 2 ] || fail "--password on the command line was accepted"
# A credentials file too large to be two lines is refused by its size, never read in part.
{ cat "$tmp/creds"; head -c 9000 /dev/zero | tr '\0' '#'; } >"$tmp/creds-big"
chmod 600 "$tmp/creds-big"
"$kl" send review.xml -o "$tmp/out" --smtp "smtp://127.0.0.1:$port" --credentials "$tmp/creds-big" \
    --cacert "$tmp/cert.pem" --yes >"$tmp/o1" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "a 9 KB credentials file: exit $rc, not 2"
grep -q "larger than 8191 bytes" "$tmp/o1" || fail "a 9 KB credentials file: the limit is not named: $(cat "$tmp/o1")"

# 2. The dry run: lists each member, address, file and SHA-256; sends nothing.
"$kl" send review.xml -o "$tmp/out" --smtp "smtp://127.0.0.1:$port" --credentials "$tmp/creds" \
    --cacert "$tmp/cert.pem" >"$tmp/o2" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "dry run exited $rc: $(cat "$tmp/o2")"
for m in "${members[@]}"; do
    sha=$(sha256sum "$dir/$m-email.eml" | cut -d' ' -f1)
    grep -qE "^$m +$(addr "$m") +$m-email.eml +sha256 $sha$" "$tmp/o2" ||
        fail "the dry run does not list $m with its address, file and SHA-256"
done
grep -q "nothing is sent" "$tmp/o2" || fail "the dry run does not say nothing is sent"
[ -z "$(ls "$tmp/main")" ] || fail "the dry run sent something"

# 3. Sending: the second member's address is refused (550); the rest are sent.
"$kl" send review.xml -o "$tmp/out" --smtp "smtp://127.0.0.1:$port" --credentials "$tmp/creds" \
    --cacert "$tmp/cert.pem" --yes >"$tmp/o3" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "a refused recipient: exit $rc, not 1: $(cat "$tmp/o3")"
grep -qE "^$second +REFUSED .*550" "$tmp/o3" || fail "$second is not reported refused with the 550"
grep -qF "$second_addr" "$tmp/o3" && fail "the refused address is quoted in the output"
grep -qE "^$first +sent .*250 2.0.0 Ok" "$tmp/o3" || fail "$first is not reported sent with the reply"

# check_arrived: each named member's message arrived once, byte for byte, over TLS, with
# AUTH, from the review's contact to the member's address only.
check_arrived() {
    local box=$1
    shift
    "$py" - "$box" "$dir" "$@" <<'PY' || fails=$((fails + 1))
import email, email.policy, glob, json, os, sys
box, d, members = sys.argv[1], sys.argv[2], sys.argv[3:]
got = {}
for j in sorted(glob.glob(os.path.join(box, "*.json"))):
    meta = json.load(open(j))
    data = open(j[:-5] + ".eml", "rb").read()
    got.setdefault(tuple(meta["rcpt_tos"]), []).append((meta, data))
bad = 0
for m in members:
    eml = open(os.path.join(d, m + "-email.eml"), "rb").read()
    msg = email.message_from_bytes(eml, policy=email.policy.default)
    to = msg["To"].addresses[0].addr_spec
    frm = msg["From"].addresses[0].addr_spec
    arrived = got.pop((to,), [])
    if len(arrived) != 1:
        print(f"FAIL {m}: {len(arrived)} messages arrived for its address, not 1")
        bad = 1
        continue
    meta, data = arrived[0]
    if data != eml:
        print(f"FAIL {m}: the message that arrived is not byte for byte its .eml")
        bad = 1
    if not meta["tls"] or meta["login"] != "coordinator" or meta["mail_from"] != frm:
        print(f"FAIL {m}: not sent over TLS with AUTH from the contact's address: {meta}")
        bad = 1
if got:
    print(f"FAIL messages arrived that were not expected: {list(got)}")
    bad = 1
sys.exit(bad)
PY
}
others=()
for m in "${members[@]}"; do [ "$m" != "$second" ] && others+=("$m"); done
check_arrived "$tmp/main" "${others[@]}"
"$py" - "$tmp/out/record.db" "$second" "${others[@]}" <<'PY' || fails=$((fails + 1))
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
refused, sent = sys.argv[2], sys.argv[3:]
bad = 0
for m in sent:
    rows = db.execute("SELECT channel, file, length(sha256), note FROM event WHERE kind='sent'"
                      " AND member_id=?", (m,)).fetchall()
    if len(rows) != 1 or rows[0][:3] != ("email", m + "-email.eml", 64) or \
            not rows[0][3].startswith("SMTP: 250 2.0.0 Ok: queued as TEST"):
        print(f"FAIL the record's sent event for {m}: {rows}")
        bad = 1
if db.execute("SELECT count(*) FROM event WHERE kind='sent' AND member_id=?", (refused,)).fetchone()[0]:
    print(f"FAIL the refused {refused} is recorded as sent")
    bad = 1
sys.exit(bad)
PY
# state MEMBER FILE: the member's state column in `kinletter status`.
state() { awk -v m="$1" '$1 == m { print $3 }' "$2"; }
"$kl" status review.xml -o "$tmp/out" >"$tmp/st3" 2>&1
[ "$(state "$first" "$tmp/st3")" = sent ] || fail "status does not show $first as sent"
[ "$(state "$second" "$tmp/st3")" = written ] || fail "status does not show the refused $second as written"

# 4. Again, to a server that takes every address: only the one not sent goes.
start again "${tls[@]}"
"$kl" send review.xml -o "$tmp/out" --smtp "smtp://localhost:$port" --credentials "$tmp/creds" \
    --cacert "$tmp/cert.pem" --yes >"$tmp/o4" 2>&1
rc=$?
[ "$rc" = 0 ] || fail "the second run exited $rc: $(cat "$tmp/o4")"
grep -qE "^$first +already sent" "$tmp/o4" || fail "$first is not reported as sent before"
check_arrived "$tmp/again" "$second"
"$kl" status review.xml -o "$tmp/out" >"$tmp/st4" 2>&1
for m in "${members[@]}"; do
    [ "$(state "$m" "$tmp/st4")" = sent ] || fail "status does not show $m as sent"
done

# 5. A server that drops the connection on the second message: the first is sent and
# recorded, the batch stops, and the rest are reported not sent.
"$kl" generate review.xml --date 2026-11-27 -o "$tmp/out5" >/dev/null 2>&1
dir5="$tmp/out5/NSCP-2026-017/notification"
start drop "${tls[@]}" --drop-at 2
"$kl" send review.xml -o "$tmp/out5" --smtp "smtp://127.0.0.1:$port" --credentials "$tmp/creds" \
    --cacert "$tmp/cert.pem" --yes >"$tmp/o5" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "a dropped connection: exit $rc, not 1"
grep -qE "^$first +sent" "$tmp/o5" || fail "the message before the drop is not reported sent"
grep -qE "^$second +NOT SENT" "$tmp/o5" || fail "the message the drop cut is not reported not sent"
grep -q "sending stopped" "$tmp/o5" || fail "a dropped connection does not say sending stopped"
[ "$(ls "$tmp/drop"/*.eml 2>/dev/null | wc -l)" = 1 ] || fail "after the drop, not exactly one message arrived"
grep -qF "$second_addr" "$tmp/o5" && fail "an address is quoted after the drop"
n5=$(sqlite3 "$tmp/out5/record.db" "SELECT count(*) FROM event WHERE kind='sent'" 2>/dev/null ||
    "$py" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM event WHERE kind=\"sent\"").fetchone()[0])' "$tmp/out5/record.db")
[ "$n5" = 1 ] || fail "after the drop the record holds $n5 sent events, not 1"

# 6. A wrong password, and a certificate curl cannot verify: nothing is sent.
printf 'user=coordinator\npassword=wrong\n' >"$tmp/creds-bad"
chmod 600 "$tmp/creds-bad"
start strict "${tls[@]}"
"$kl" generate review.xml --date 2026-11-27 -o "$tmp/out6" >/dev/null 2>&1
"$kl" send review.xml -o "$tmp/out6" --smtp "smtp://127.0.0.1:$port" --credentials "$tmp/creds-bad" \
    --cacert "$tmp/cert.pem" --yes >"$tmp/o6" 2>&1
[ $? = 1 ] || fail "a wrong password did not fail"
grep -q "user name or password" "$tmp/o6" || fail "a wrong password is not said: $(cat "$tmp/o6")"
"$kl" send review.xml -o "$tmp/out6" --smtp "smtp://127.0.0.1:$port" --credentials "$tmp/creds" \
    --yes >"$tmp/o6b" 2>&1
[ $? = 1 ] || fail "an unverified certificate did not fail"
[ -z "$(ls "$tmp/strict")" ] || fail "a message was sent with a wrong password or an unverified certificate"

# 7. Plain SMTP to a host that is not loopback by name (the machine's name, which
# resolves here to 127.0.0.1) is refused: the server offers no STARTTLS.
start plain --plain
host=$(hostname)
if getent hosts "$host" | grep -q '^127\.'; then
    "$kl" send review.xml -o "$tmp/out6" --smtp "smtp://$host:$port" --yes >"$tmp/o7" 2>&1
    [ $? = 1 ] || fail "plain SMTP to $host was not refused"
    grep -q "does not offer STARTTLS" "$tmp/o7" || fail "the refusal does not say STARTTLS: $(cat "$tmp/o7")"
    [ -z "$(ls "$tmp/plain")" ] || fail "a message was sent without TLS to a host that is not loopback"
else
    echo "note: $host does not resolve to 127.x here; the plain-SMTP refusal was not tried"
fi
# ... while on loopback a plain server is allowed (a relay on this machine).
"$kl" send review.xml -o "$tmp/out6" --smtp "smtp://127.0.0.1:$port" --yes >"$tmp/o7b" 2>&1
[ $? = 0 ] || fail "plain SMTP on loopback failed: $(cat "$tmp/o7b")"
"$kl" send review.xml -o "$tmp/out6" --smtp "http://127.0.0.1:$port" >/dev/null 2>&1
[ $? = 2 ] || fail "an http:// URL was not refused as a usage error"

finish "ok: send (dry run, STARTTLS+AUTH, 550, resend, drop, refusals) for ${members[*]}"
