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
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 97: valgrind found an error or a leak; kinletter itself exits 0, 1 (a member failed) or 2.
valgrind --suppressions="$src/tests/cases/valgrind/valgrind.supp" \
    --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=97 \
    --log-file="$tmp/valgrind.log" \
    "$kl" generate -o "$tmp/out" --date 2026-10-09 --jobs 2 >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
fails=0
if [ "$rc" = 97 ]; then
    echo "FAIL: valgrind found errors or leaks"
    cat "$tmp/valgrind.log"
    fails=1
elif [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
    echo "FAIL: kinletter generate exited $rc"
    cat "$tmp/stdout" "$tmp/stderr"
    fails=1
fi
rec=$(find "$tmp/out" -name record.csv)
[ -n "$rec" ] || { echo "FAIL: no record.csv written"; fails=1; }
pdfs=$(find "$tmp/out" -name '*.pdf' | wc -l)
[ "$pdfs" -ge 2 ] || { echo "FAIL: only $pdfs PDFs written"; fails=1; }
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|total heap usage" \
    "$tmp/valgrind.log" | sed 's/^==[0-9]*== */valgrind: /'
echo "kinletter exit $rc, $pdfs PDFs"
exit $fails
