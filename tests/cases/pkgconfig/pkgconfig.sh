#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/pkgconfig/pkgconfig.sh: install into a temporary DESTDIR, build docs/LIBRARY.md's
# example program against the installed library with pkg-config (shared, then static), run it on
# the installed example review with the installed data, and check the man page was installed.
# Usage: pkgconfig.sh BUILD_ROOT SOURCE_ROOT PREFIX
set -u
build=$1
src=$2
prefix=$3
for tool in cc pkg-config meson; do
    command -v $tool >/dev/null || { echo "SKIP: $tool not found"; exit 77; }
done
. "$(dirname "$0")/../lib.sh"

dest="$tmp/dest"
meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >"$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log"
    echo "FAIL: meson install --destdir"
    exit 1
}
root="$dest$prefix"
pc=$(find "$root" -name kinletter.pc | head -1)
[ -n "$pc" ] || { echo "FAIL: no kinletter.pc installed"; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
[ -f "$root/include/kinletter.h" ] || fail "kinletter.h not installed"
find "$root" -path '*/man1/kinletter.1*' | grep -q . || fail "the kinletter(1) man page was not installed"

# The example program, exactly as docs/LIBRARY.md shows it.
awk '/^```c$/ { on = 1; next } /^```$/ { on = 0 } on' "$src/docs/LIBRARY.md" >"$tmp/letters.c"
grep -q 'int main' "$tmp/letters.c" || { echo "FAIL: no C example in docs/LIBRARY.md"; exit 1; }

# pkg-config sees the .pc file where it was installed; its prefix moves with it.
export PKG_CONFIG_PATH="$(dirname "$pc")"
pcflags="--define-variable=prefix=$root"
flags=$(pkg-config $pcflags --cflags --libs kinletter) || fail "pkg-config --cflags --libs kinletter"
case "$flags" in *"$root"*) ;; *) fail "pkg-config flags do not point into the install: $flags" ;; esac
# --cflags: kinletter's own include directory and nothing of its dependencies'.
cflags=$(pkg-config $pcflags --cflags kinletter)
[ "$(echo $cflags)" = "-I$root/include" ] || fail "pkg-config --cflags leaks more than -I$root/include: $cflags"
cc -std=c99 -Wall -Wextra -pedantic -Werror -o "$tmp/letters" "$tmp/letters.c" $flags \
    >"$tmp/cc.log" 2>&1 || {
    cat "$tmp/cc.log"
    fail "the example does not build with pkg-config's flags"
}

# Run it with the installed data only (not the build or source tree).
mkdir "$tmp/run"
if [ -x "$tmp/letters" ]; then
    (cd "$tmp/run" && LD_LIBRARY_PATH="$libdir" KINLETTER_DATADIR="$root/share/kinletter" \
        "$tmp/letters" >"$tmp/out" 2>"$tmp/err")
    st=$?
    # 0, or 1 when a member's letter cannot be written (a draft catalog missing a message).
    [ $st -le 1 ] || fail "the example exited $st"
    n=$(ls "$tmp/run" | grep -c '\.pdf$')
    [ "$n" -ge 3 ] || fail "the example wrote $n PDFs, expected the example's postal letters"
    grep -q "letters written" "$tmp/out" || fail "the example printed no summary"
    for f in "$tmp/run"/*.pdf; do
        head -c 5 "$f" | grep -q '%PDF-' || fail "$f is not a PDF"
    done
    cat "$tmp/out"
fi

# docs/examples/build_review.c: a review of two members built in code (no XML), one PDF.
cc -std=c99 -Wall -Wextra -pedantic -Werror -o "$tmp/build_review" \
    "$src/docs/examples/build_review.c" $flags >"$tmp/cc.log" 2>&1 || {
    cat "$tmp/cc.log"
    fail "docs/examples/build_review.c does not build with pkg-config's flags"
}
if [ -x "$tmp/build_review" ]; then
    LD_LIBRARY_PATH="$libdir" KINLETTER_DATADIR="$root/share/kinletter" \
        "$tmp/build_review" "$tmp/built.pdf" >"$tmp/out" 2>"$tmp/err" ||
        { cat "$tmp/err"; fail "build_review exited $?"; }
    if command -v pdftotext >/dev/null && [ -f "$tmp/built.pdf" ]; then
        pdftotext "$tmp/built.pdf" - | grep -q "12 Elm Road" ||
            fail "the built review's letter lacks the member's address"
    fi
fi

# Static linking: everything the library needs is in Libs.private / Requires.private.
if [ -f "$libdir/libkinletter.a" ]; then
    sflags=$(pkg-config $pcflags --cflags --libs --static kinletter)
    # With the C compiler driver: Libs.private carries the C++ runtime itself.
    cc -o "$tmp/letters-static" "$tmp/letters.c" \
        $(echo "$sflags" | sed "s|-lkinletter|$libdir/libkinletter.a|") >"$tmp/cc.log" 2>&1 || {
        cat "$tmp/cc.log"
        fail "the example does not link statically with pkg-config --static"
    }
fi

finish "pkgconfig: ok"
