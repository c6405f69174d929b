#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/fuzz/run.sh: run every libFuzzer harness for a while and say what it found.
# Usage: tests/fuzz/run.sh [SECONDS-EACH (60)] [BUILDDIR (build-fuzz)] [HARNESS...]
# Build first (see tests/fuzz/meson.build):
#   CC=clang CXX=clang++ meson setup build-fuzz -Dfuzzers=true -Db_sanitize=address,undefined \
#     -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link -Dcpp_args=-fsanitize=fuzzer-no-link
#   ninja -C build-fuzz
# Each harness starts from its seeds (the examples, tests/fuzz/corpus/) plus what earlier runs
# found interesting (build-fuzz/fuzz-corpus/). A crash, leak or timeout is saved under
# build-fuzz/fuzz-findings/<harness>/; copy it to tests/fuzz/regressions/<harness>/ once fixed,
# so every build replays it (suite 'fuzz').
set -u
cd "$(dirname "$0")/../.."
secs=${1:-60}
build=${2:-build-fuzz}
shift 2 2>/dev/null || shift $#
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(review csv template message text)
src=$(pwd)
export KINLETTER_DATADIR="$src/$build:$src"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$src/tests/lsan.supp:print_suppressions=0"

seeds() {
    case $1 in
    review) echo templates/example/review.xml templates/example/review-csv.xml tests/data/review/*.xml tests/data/generate/review.xml ;;
    csv) echo templates/example/family.csv tests/data/generate/family.csv ;;
    template) echo templates/*.xml ;;
    message | text) echo tests/fuzz/corpus/"$1"/* ;;
    esac
}

total_findings=0
printf '%-10s %12s %8s %10s %s\n' harness executions exec/s corpus findings
for h in "${harnesses[@]}"; do
    bin="$build/tests/fuzz/fuzz_$h"
    [ -x "$bin" ] || {
        echo "$h: $bin not built (meson setup $build -Dfuzzers=true, with clang)"
        exit 2
    }
    corpus="$build/fuzz-corpus/$h"
    findings="$build/fuzz-findings/$h"
    mkdir -p "$corpus" "$findings"
    for s in $(seeds "$h"); do cp -n "$s" "$corpus/seed-$(basename "$s")" 2>/dev/null; done
    log="$build/fuzz-findings/$h.log"
    # -fork keeps fuzzing after a finding, so one run can report several.
    "$bin" "$corpus" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$findings/" -fork=1 -ignore_crashes=1 \
        -ignore_timeouts=1 -ignore_ooms=1 >"$log" 2>&1
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
    if [ "$execs" = 0 ]; then # -fork reports progress lines instead of final stats
        execs=$(grep -o '#[0-9]*' "$log" | tr -d '#' | sort -n | tail -1)
    fi
    rate=$((${execs:-0} / (secs > 0 ? secs : 1)))
    n=$(find "$findings" -type f | wc -l)
    total_findings=$((total_findings + n))
    printf '%-10s %12s %8s %10s %s\n' "$h" "${execs:-0}" "$rate" "$(ls "$corpus" | wc -l)" "$n"
    find "$findings" -type f | sed 's/^/    /'
done
echo "findings: $total_findings (logs in $build/fuzz-findings/)"
[ "$total_findings" = 0 ]
