#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/cases/web/browser.sh KINLETTER SOURCE_ROOT: `kinletter serve` in a real browser
# (issue 21): Debian's chromium driven by puppeteer-core, every page checked by axe-core
# against WCAG 2.2 A and AA. Both are pinned in tests/web/package.json and installed with
# `npm ci` into the build directory once (again only when the lock file changes); chromium
# is never downloaded. browser.mjs says what is done and what must hold. Screenshots of every
# page are kept in BUILD/tests/web-artifacts/. Exit 77 when chromium or node is missing.
set -u
kl=$(realpath "$1")
src=$2
. "$(dirname "$0")/../lib.sh"
chromium=${KL_CHROMIUM:-/usr/bin/chromium}
# Skipped (77) where the browser or node is missing, unless KL_REQUIRE_BROWSER=1 (.ci/run).
missing() {
    echo "$1 is missing (bash .ci/deps installs it)"
    [ "${KL_REQUIRE_BROWSER:-0}" = 1 ] && exit 1
    exit 77
}
[ -x "$chromium" ] || missing "$chromium (Debian's chromium)"
for tool in node npm; do
    command -v "$tool" >/dev/null || missing "$tool"
done

cache=${KL_BUILD_ROOT:-$tmp}/tests/web-node
if ! cmp -s "$src/tests/web/package-lock.json" "$cache/package-lock.json" ||
    [ ! -f "$cache/node_modules/puppeteer-core/package.json" ] ||
    [ ! -f "$cache/node_modules/axe-core/axe.min.js" ]; then
    rm -rf "$cache"
    mkdir -p "$cache"
    cp "$src/tests/web/package.json" "$src/tests/web/package-lock.json" "$cache/"
    if ! (cd "$cache" && npm ci --omit=optional --ignore-scripts --no-audit --no-fund \
        >"$tmp/npm.log" 2>&1); then
        echo "FAIL: npm could not install puppeteer-core and axe-core (tests/web/package-lock.json)"
        cat "$tmp/npm.log"
        rm -rf "$cache"
        exit 1
    fi
fi
# browser.mjs imports puppeteer-core, so it runs from the directory holding node_modules.
cp "$src/tests/cases/web/browser.mjs" "$cache/browser.mjs"
artifacts=${KL_BUILD_ROOT:-$tmp}/tests/web-artifacts
rm -rf "$artifacts"
mkdir -p "$artifacts"
exec node "$cache/browser.mjs" "$kl" "$src" "$chromium" "$artifacts" "$tmp"
