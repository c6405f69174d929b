#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/valgrind/valgrind.sh: `kinletter generate` of the bundled example under
# valgrind memcheck, on two worker threads: 0 errors, 0 bytes lost (definitely, indirectly
# or possibly), and the letters really written.
# Usage: valgrind.sh KINLETTER SOURCE_ROOT
set -u
kl=$1
src=$2
command -v valgrind >/dev/null || { echo "valgrind not installed (see .ci/deps)"; exit 77; }
. "$(dirname "$0")/../lib.sh"

# 97: valgrind found an error or a leak; kinletter itself exits 0, 1 (a member failed) or 2.
valgrind --suppressions="$src/tests/cases/valgrind/valgrind.supp" \
    --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=97 \
    --log-file="$tmp/valgrind.log" \
    "$kl" generate -o "$tmp/out" --date 2026-10-09 --jobs 2 >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
if [ "$rc" = 97 ]; then
    fail "valgrind found errors or leaks"
    cat "$tmp/valgrind.log"
elif [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
    fail "kinletter generate exited $rc"
    cat "$tmp/stdout" "$tmp/stderr"
fi
rec=$(find "$tmp/out" -name record.csv)
[ -n "$rec" ] || fail "no record.csv written"
pdfs=$(find "$tmp/out" -name '*.pdf' | wc -l)
[ "$pdfs" -ge 2 ] || fail "only $pdfs PDFs written"
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|total heap usage" \
    "$tmp/valgrind.log" | sed 's/^==[0-9]*== */valgrind: /'
echo "kinletter exit $rc, $pdfs PDFs"
finish
