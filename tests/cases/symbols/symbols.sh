#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/symbols/symbols.sh: the shared library exports only the public API: every
# defined dynamic symbol is kl_<name>, none is internal (kl_<module>__<verb>), and every
# function a public header declares KL_API is exported and has a doc comment.
# Usage: symbols.sh LIBKINLETTER.so SOURCE_ROOT
set -u
so=$1
src=$2
. "$(dirname "$0")/../lib.sh"
command -v nm >/dev/null || { echo "nm not found (binutils)"; exit 77; }

# (Version nodes such as KINLETTER_1.0 are absolute symbols, type A: not functions.)
syms=$(nm -D --defined-only "$so" | awk 'NF >= 3 && $2 != "A" { print $3 }' | sed 's/@.*//' | sort -u)
# Every exported function carries the version node of lib/kinletter.map.
unversioned=$(nm -D --defined-only "$so" | awk 'NF >= 3 && $2 != "A" && $3 !~ /@@KINLETTER_1\./ { print $3 }')
[ -z "$unversioned" ] || fail "symbols without the KINLETTER_1.x version node: $unversioned"
[ -n "$syms" ] || fail "no dynamic symbols in $so"

for s in $syms; do
    case "$s" in
    kl_*__*) fail "internal symbol exported: $s" ;;
    kl_*) ;;
    *) fail "non-kl_ symbol exported: $s" ;;
    esac
done

# Every KL_API function of the installed headers is in the library, and nothing else is.
declared=$(cat "$src"/lib/include/kinletter.h "$src"/lib/include/kinletter/*.h |
    tr '\n' ' ' | sed 's/;/;\n/g' | grep 'KL_API' |
    sed -n 's/.*[ *]\(kl_[a-z0-9_]*\) *(.*/\1/p' | sort -u)
[ -n "$declared" ] || fail "found no KL_API declarations in the headers"
for d in $declared; do
    echo "$syms" | grep -qx "$d" || fail "declared KL_API but not exported: $d"
done
for s in $syms; do
    echo "$declared" | grep -qx "$s" || fail "exported but in no public header: $s"
done

# Every public declaration has a doc comment (/** ... */) right above it.
undocumented=$(awk '
    FNR == 1 { prev = ""; in_doc = 0; doc_end = 0 }
    /\/\*\*/ { in_doc = 1 }
    /\/\*[^*]/ && !/\/\*\*/ { in_doc = 0 }
    /KL_API/ && !/^#/ { if (!(prev ~ /\*\/[ \t]*$/ && doc_end)) print FILENAME ":" FNR ": " $0 }
    NF { if ($0 ~ /\*\/[ \t]*$/) doc_end = in_doc; else if ($0 !~ /^[ \t]*\*/) doc_end = 0; prev = $0 }
' "$src"/lib/include/kinletter.h "$src"/lib/include/kinletter/*.h)
[ -z "$undocumented" ] || fail "public declarations without a doc comment:
$undocumented"

n=$(echo "$syms" | wc -l)
echo "$n symbols exported, $(echo "$declared" | wc -l) declared"
finish "symbols: ok"
