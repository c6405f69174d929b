#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/abi/abi.sh: the shared library's ABI against the last released one
# (lib/kinletter.abi, written by abidw from libabigail). Additions pass; a change that
# breaks programs built against the release (a removed or changed function, a struct
# that grew or changed) fails unless the soname's major number was raised.
# Usage: abi.sh LIBKINLETTER.so SOURCE_ROOT SOVERSION
set -u
lib=$1
src=$2
so=$3
command -v abidiff >/dev/null || { echo "FAIL: abidiff not installed (abigail-tools, see .ci/deps)"; exit 1; }
base="$src/lib/kinletter.abi"
[ -f "$base" ] || { echo "FAIL: no ABI baseline at $base"; exit 1; }
# The baseline says which soname it was: a new major number starts a new ABI.
base_so=$(sed -n 's/.*soname=.libkinletter\.so\.\([0-9]*\).*/\1/p' "$base" | head -1)
out=$(abidiff --no-added-syms --suppressions "$src/lib/kinletter.abignore" --headers-dir1 "$src/lib/include" --headers-dir2 "$src/lib/include" \
    "$base" "$lib" 2>&1)
rc=$?
echo "$out" | head -40
# 4: an existing function or type changed (a struct grew, an offset moved); 8: one was
# removed. Added functions alone are not reported (--no-added-syms).
if [ $((rc & 12)) -ne 0 ]; then
    if [ "$base_so" != "$so" ]; then
        echo "ABI broken, and the soname moved from .so.$base_so to .so.$so: as it should"
        exit 0
    fi
    echo "FAIL: the ABI of libkinletter.so.$so changed incompatibly. Either keep it (add, do"
    echo "not change: new functions, new fields behind a version), or raise kl_soversion in"
    echo "meson.build and, at the release, write the new baseline:"
    echo "  abidw --no-corpus-path --headers-dir lib/include --drop-private-types \\"
    echo "        build/lib/libkinletter.so > lib/kinletter.abi"
    exit 1
fi
if [ $((rc & 3)) -ne 0 ]; then
    echo "FAIL: abidiff could not compare (exit $rc)"
    exit 1
fi
echo "abi: compatible with the baseline (.so.$base_so)"
