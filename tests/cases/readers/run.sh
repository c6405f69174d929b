#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/readers/run.sh: every letter of the bundled example review and of the
# translations' test family (tests/data/locales/review.xml), all four templates, read by
# independent readers: pdf.js and current MuPDF (MuPDF.js, WebAssembly), both pinned in
# tests/pdfjs/package.json and installed with npm into the build directory once, and Debian's
# MuPDF (`mutool`, mupdf-tools). readers.py says what is measured and what must hold.
# Usage: run.sh KINLETTER SOURCE_ROOT
set -u
kl=$1
src=$2
py=/usr/bin/python3 # Debian's python: python3-pikepdf lives there
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for tool in node npm mutool pdftotext; do
    if ! command -v "$tool" >/dev/null; then
        echo "FAIL: $tool is not installed (bash .ci/deps installs it)"
        exit 1
    fi
done

if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    echo "FAIL: pdf.js 5 needs Node.js 20.19 or later; this is $(node --version)"
    exit 1
fi

# pdf.js and MuPDF.js: installed from the lock file into the build directory, again only when
# it changes.
cache=${KL_BUILD_ROOT:-$tmp}/pdfjs
if ! cmp -s "$src/tests/pdfjs/package-lock.json" "$cache/package-lock.json" ||
    [ ! -f "$cache/node_modules/pdfjs-dist/package.json" ] ||
    [ ! -f "$cache/node_modules/mupdf/package.json" ]; then
    rm -rf "$cache"
    mkdir -p "$cache"
    cp "$src/tests/pdfjs/package.json" "$src/tests/pdfjs/package-lock.json" "$cache/"
    if ! (cd "$cache" && npm ci --omit=optional --ignore-scripts --no-audit --no-fund \
        >"$tmp/npm.log" 2>&1); then
        echo "FAIL: npm could not install pdf.js and MuPDF.js (tests/pdfjs/package-lock.json)"
        cat "$tmp/npm.log"
        rm -rf "$cache"
        exit 1
    fi
fi
cp "$src/tests/pdfjs/extract.mjs" "$src/tests/pdfjs/mupdf-extract.mjs" "$cache/"

mkdir -p "$tmp/letters"
exec "$py" "$src/tests/cases/readers/readers.py" "$kl" "$cache" "$tmp/letters" \
    "$src/templates/example/review.xml" "$src/tests/data/locales/review.xml"
