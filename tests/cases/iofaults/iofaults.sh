#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/cases/iofaults/iofaults.sh: I/O faults give clear errors and leave nothing partial: a
# full filesystem, an unwritable directory, symbolic links planted in the output directory, a
# font file that is unreadable or damaged, compiled catalogs that are missing, not catalogs,
# or truncated.
# Usage: iofaults.sh KINLETTER SOURCE_ROOT
#        iofaults.sh --full-disk KINLETTER MOUNTPOINT (internal: run inside a mount namespace)
set -u
. "$(dirname "$0")/../lib.sh"
crashed() { # status name: a signal is never a clean error
    [ "$1" -lt 128 ] || fail "$2: killed by signal $(($1 - 128))"
}
no_temp_files() { # dir name
    if [ -d "$1" ] && find "$1" -name '.*.tmp' | grep -q .; then
        fail "$2: temporary files left: $(find "$1" -name '.*.tmp')"
    fi
}
# Every file the record says was written is there, whole (its SHA-256), and there are no others.
record_matches_files() { # batch-dir name
    local dir=$1 rec=$1/record.csv
    [ -f "$rec" ] || {
        fail "$2: no record.csv"
        return
    }
    local listed
    listed=$(awk -F, 'NR > 1 && $12 == "written" { print $9 " " $11 }' "$rec")
    echo "$listed" | while read -r f sha; do
        [ -n "$f" ] || continue
        if [ ! -f "$dir/$f" ]; then
            echo "FAIL $2: $f is in the record but not written"
        elif [ "$(sha256sum "$dir/$f" | cut -d' ' -f1)" != "$sha" ]; then
            echo "FAIL $2: $f is not the file the record describes (partial?)"
        fi
    done | tee "$tmp/rm.out"
    fails=$((fails + $(grep -c FAIL "$tmp/rm.out")))
    for f in "$dir"/*; do
        b=$(basename "$f")
        case "$b" in record.csv | print-pack*.pdf) continue ;; esac
        echo "$listed" | grep -q "^$b " || fail "$2: $b is there but the record does not say it was written"
    done
}

# ---- inside a private mount namespace: a 256 KiB tmpfs fills up part-way ----------------
if [ "${1:-}" = "--full-disk" ]; then
    kl=$2
    mnt=$3
    mount -t tmpfs -o size=256k,mode=0755 kltest "$mnt" || exit 77
    "$kl" generate -o "$mnt/out" --date 2026-10-09 --jobs 2 >"$tmp/out" 2>"$tmp/err"
    st=$?
    crashed $st full-disk
    [ $st = 1 ] || fail "full-disk: exit $st, expected 1"
    expect "$tmp/err" "No space left on device" full-disk-cause
    expect "$tmp/err" "free some space" full-disk-hint
    expect "$tmp/err" "writing stopped part-way: .* not written (no partial file is left)" full-disk-summary
    dir=$(dirname "$(find "$mnt/out" -name record.csv | head -1)")
    no_temp_files "$mnt/out" full-disk
    if [ -n "$dir" ] && [ -f "$dir/record.csv" ]; then
        record_matches_files "$dir" full-disk
        grep -q ',failed,' "$dir/record.csv" || fail "full-disk: the record shows no failed member"
    fi
    # One letter to a disk with no room at all: no file, no temporary file.
    dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null
    "$kl" render -m m01 -f pdf -d 2026-10-09 -o "$mnt/one.pdf" >"$tmp/out" 2>"$tmp/err"
    st=$?
    crashed $st full-disk-render
    [ $st != 0 ] || fail "full-disk-render: exit 0 on a full disk"
    expect "$tmp/err" "No space left on device" full-disk-render-cause
    [ ! -e "$mnt/one.pdf" ] || fail "full-disk-render: a partial one.pdf was left"
    ls -A "$mnt" | grep -v -e '^fill$' -e '^out$' | grep -q . &&
        fail "full-disk-render: left behind: $(ls -A "$mnt")"
    umount "$mnt"
    finish
fi

kl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
chmod 755 "$tmp" # the unprivileged runs below must reach it
res="$src/templates/example/review.xml"

# ---- a full filesystem -------------------------------------------------------------------
mkdir "$tmp/mnt"
if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null; then
    unshare --mount "$0" --full-disk "$kl" "$tmp/mnt"
    st=$?
    if [ $st = 77 ]; then
        echo "SKIP full-disk: cannot mount a tmpfs here"
    elif [ $st != 0 ]; then
        fails=$((fails + 1))
    fi
else
    echo "SKIP full-disk: needs root and mount namespaces (generate-cli covers a file size limit)"
fi

# ---- an unwritable directory ---------------------------------------------------------------
mkdir "$tmp/ro"
as_other=()
if [ "$(id -u)" = 0 ]; then
    # Root may write anywhere: run as nobody, for whom the directory is not writable.
    if command -v setpriv >/dev/null; then
        as_other=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    fi
else
    chmod 555 "$tmp/ro"
fi
if [ "$(id -u)" = 0 ] && [ ${#as_other[@]} = 0 ]; then
    echo "SKIP unwritable: running as root without setpriv"
else
    "${as_other[@]}" "$kl" generate "$res" -o "$tmp/ro/letters" --date 2026-10-09 >"$tmp/out" 2>"$tmp/err"
    st=$?
    crashed $st unwritable
    [ $st = 2 ] || fail "unwritable: exit $st, expected 2"
    expect "$tmp/err" "$tmp/ro/letters: error: cannot create the output directory: Permission denied" unwritable
    expect "$tmp/err" "choose an output directory you may write to" unwritable-hint
    "${as_other[@]}" "$kl" render "$res" -m m01 -f txt -o "$tmp/ro/one.txt" >"$tmp/out" 2>"$tmp/err"
    st=$?
    crashed $st unwritable-render
    [ $st != 0 ] || fail "unwritable-render: exit 0"
    expect "$tmp/err" "$tmp/ro/one.txt: error: .*Permission denied" unwritable-render
    [ -z "$(ls -A "$tmp/ro")" ] || fail "unwritable: left behind: $(ls -A "$tmp/ro")"
fi

# ---- symbolic links planted in the output directory ---------------------------------------
out="$tmp/sl"
mkdir -p "$out" "$tmp/elsewhere"
ln -s "$tmp/elsewhere" "$out/NSCP-2026-017"
"$kl" generate "$res" -o "$out" --date 2026-10-09 -m m01 >"$tmp/out" 2>"$tmp/err"
st=$?
crashed $st symlink-dir
[ $st = 2 ] || fail "symlink-dir: exit $st, expected 2"
expect "$tmp/err" "NSCP-2026-017: error: cannot open an output directory: Too many levels of symbolic links" symlink-dir
expect "$tmp/err" "an output directory is a symbolic link" symlink-dir-hint
[ -z "$(ls -A "$tmp/elsewhere")" ] || fail "symlink-dir: letters written through the link"

out="$tmp/sf"
"$kl" generate "$res" -o "$out" --date 2026-10-09 -m m01 -q >/dev/null 2>&1 || fail "symlink-file: first run failed"
dir="$out/NSCP-2026-017/notification"
echo "someone else's file" >"$tmp/victim"
rm -f "$dir/m01-post.pdf"
ln -s "$tmp/victim" "$dir/m01-post.pdf"
"$kl" generate "$res" -o "$out" --date 2026-10-09 -m m01 -q >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st = 2 ] || fail "symlink-file: exit $st without --force, expected 2"
"$kl" generate "$res" -o "$out" --date 2026-10-09 -m m01 -q --force >"$tmp/out" 2>"$tmp/err"
st=$?
crashed $st symlink-file
[ $st = 0 ] || fail "symlink-file: exit $st with --force, expected 0"
[ "$(cat "$tmp/victim")" = "someone else's file" ] || fail "symlink-file: the link's target was written"
[ -f "$dir/m01-post.pdf" ] && [ ! -L "$dir/m01-post.pdf" ] || fail "symlink-file: m01-post.pdf is not a regular file"
[ "$(stat -c %a "$dir/m01-post.pdf")" = 600 ] || fail "symlink-file: m01-post.pdf is not mode 600"

# ---- fonts: unreadable, damaged ------------------------------------------------------------
# A private fontconfig with one font, whose cache still lists the file after it is spoilt
# (the directory's times are put back, so fontconfig does not scan it again).
font=$(fc-match -f '%{file}' 'Noto Sans:regular' 2>/dev/null)
if [ -z "$font" ] || [ ! -f "$font" ]; then
    echo "SKIP fonts: Noto Sans is not installed"
else
    mkdir -p "$tmp/fc/fonts" "$tmp/fc/cache"
    cat >"$tmp/fc/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>$tmp/fc/fonts</dir><cachedir>$tmp/fc/cache</cachedir></fontconfig>
EOF
    cp "$font" "$tmp/fc/fonts/NotoSans-Regular.ttf"
    export FONTCONFIG_FILE="$tmp/fc/fonts.conf"
    "$kl" render "$res" -m m03 -f pdf -d 2026-10-09 -o "$tmp/good.pdf" 2>"$tmp/err" ||
        fail "fonts: a letter with the private font set failed: $(grep -v warning "$tmp/err")"
    touch -r "$tmp/fc/fonts" "$tmp/fc/stamp"

    head -c 4096 "$font" >"$tmp/fc/fonts/NotoSans-Regular.ttf"
    touch -m -r "$tmp/fc/stamp" "$tmp/fc/fonts"
    "$kl" render "$res" -m m03 -f pdf -d 2026-10-09 -o "$tmp/damaged.pdf" >"$tmp/out" 2>"$tmp/err"
    st=$?
    crashed $st font-damaged
    [ $st = 1 ] || fail "font-damaged: exit $st, expected 1"
    expect "$tmp/err" "NotoSans-Regular.ttf: error: the font file for \"Noto Sans\" is damaged" font-damaged
    [ ! -e "$tmp/damaged.pdf" ] || fail "font-damaged: a PDF was written"

    rm "$tmp/fc/fonts/NotoSans-Regular.ttf"
    mkdir "$tmp/fc/fonts/NotoSans-Regular.ttf" # a directory where the font file should be
    touch -m -r "$tmp/fc/stamp" "$tmp/fc/fonts"
    "$kl" render "$res" -m m03 -f pdf -d 2026-10-09 -o "$tmp/unreadable.pdf" >"$tmp/out" 2>"$tmp/err"
    st=$?
    crashed $st font-unreadable
    [ $st = 1 ] || fail "font-unreadable: exit $st, expected 1"
    expect "$tmp/err" "NotoSans-Regular.ttf: error: cannot read the font file for \"Noto Sans\"" font-unreadable
    [ ! -e "$tmp/unreadable.pdf" ] || fail "font-unreadable: a PDF was written"
    "$kl" generate "$res" -o "$tmp/fontgen" -d 2026-10-09 -m m03 >"$tmp/out" 2>"$tmp/err"
    st=$?
    crashed $st font-unreadable-generate
    [ $st != 0 ] || fail "font-unreadable-generate: exit 0"
    expect "$tmp/err" "cannot read the font file" font-unreadable-generate
    if [ -d "$tmp/fontgen" ] && find "$tmp/fontgen" -name '*.pdf' | grep -q .; then
        fail "font-unreadable-generate: PDFs written: $(find "$tmp/fontgen" -name '*.pdf')"
    fi
    unset FONTCONFIG_FILE
fi

# ---- compiled catalogs: missing, not catalogs, truncated -----------------------------------
mkdir -p "$tmp/cat/empty" "$tmp/cat/garbage" "$tmp/cat/trunc"
head -c 3000 /dev/urandom >"$tmp/cat/garbage/pl.res"
for f in "$KL_BUILD_ROOT"/locales/*.res; do
    cp "$f" "$tmp/cat/trunc/"
done
en="$tmp/cat/trunc/en_GB.res"
[ -f "$en" ] || fail "catalogs: no compiled en_GB.res in the build"
head -c 2000 "$KL_BUILD_ROOT/locales/en_GB.res" >"$en"
for c in empty garbage trunc; do
    "$kl" render "$res" -m m03 -f txt -l "$tmp/cat/$c" >"$tmp/$c.txt" 2>"$tmp/err"
    st=$?
    crashed $st "catalog-$c"
    [ $st != 0 ] || fail "catalog-$c: exit 0"
    [ ! -s "$tmp/$c.txt" ] || fail "catalog-$c: a letter was written"
    case $c in
    empty) expect "$tmp/err" "member m03: no catalog for language 'en-GB'" catalog-missing ;;
    garbage) expect "$tmp/err" "garbage/pl.res: error: not a compiled catalog" catalog-garbage ;;
    trunc) expect "$tmp/err" "trunc/en_GB.res: error: the compiled catalog is damaged: 2000 bytes of" catalog-truncated ;;
    esac
    "$kl" generate "$res" -o "$tmp/catgen-$c" -l "$tmp/cat/$c" -d 2026-10-09 >"$tmp/out" 2>"$tmp/err"
    st=$?
    crashed $st "catalog-$c-generate"
    [ $st != 0 ] || fail "catalog-$c-generate: exit 0"
    if [ -d "$tmp/catgen-$c" ] && find "$tmp/catgen-$c" -name '*.pdf' | grep -q .; then
        fail "catalog-$c-generate: letters written"
    fi
done

finish "iofaults: ok"
