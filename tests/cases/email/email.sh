#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/cases/email/email.sh KINLETTER SOURCE_ROOT: the bundled example's email drafts
# (m03 in English, m07 in Urdu) read back by Python's email parser and by ripmime.
set -u
kl=$(realpath "$1")
src=$2
. "$(dirname "$0")/../lib.sh"
command -v ripmime >/dev/null || {
    echo "ripmime is missing: install it (.ci/deps)"
    exit 1
}
cp -r "$src/templates/example" "$tmp/example"
(cd "$tmp/example" && "$kl" generate review.xml --date 2026-11-27 -o "$tmp/out" >"$tmp/log" 2>&1)
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || {
    echo "FAIL generate exited $rc"
    cat "$tmp/log"
    exit 1
}
dir="$tmp/out/NSCP-2026-017/notification"
for m in m03 m07; do
    [ -f "$dir/$m-email.eml" ] || {
        fail "$m-email.eml was not written"
        continue
    }
    [ "$(stat -c %a "$dir/$m-email.eml")" = 600 ] || {
        fail "$m-email.eml is not 0600"
    }
    grep -q "^$m,.*,email,$m-email.eml,,[0-9a-f]\{64\},written," "$dir/record.csv" || {
        fail "record.csv does not list $m-email.eml"
    }
    grep -qx "file $m-email.eml" "$dir/.kinletter-manifest" || {
        fail "the manifest does not list $m-email.eml"
    }
    mkdir -p "$tmp/mp/$m"
    ripmime -i "$dir/$m-email.eml" -d "$tmp/mp/$m" >"$tmp/ripmime.log" 2>&1 || {
        fail "ripmime could not read $m-email.eml"
    }
done
python3 "$src/tests/cases/email/eml_check.py" "$dir" "$tmp/mp" m03 m07 || fails=$((fails + 1))
finish
