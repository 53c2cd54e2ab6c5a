# SPDX-License-Identifier: Apache-2.0
# What tests/fuzz/run.sh and tests/fuzz/inspect/run.sh share: the clang
# check and one bounded libFuzzer run. Sourced; the caller sets -euo pipefail.

fail() { echo "fuzz: FAIL: $*" >&2; exit 1; }

# check_toolchain CLANG: clang with the libFuzzer runtime.
check_toolchain() {
    local cc=$1 runtime
    "$cc" --version | grep -q clang || fail "$cc is not clang; libFuzzer needs clang"
    runtime=$("$cc" -print-file-name="libclang_rt.fuzzer-$(uname -m).a")
    [[ -f $runtime ]] || fail "libFuzzer runtime not found (apt-get install libclang-rt-19-dev)"
}

# run_fuzzer BINARY SEEDS WORK SECONDS: runs BINARY for SECONDS from a
# scratch copy of the seed directory SEEDS (the committed corpus stays as it
# is); any crash, sanitizer report or failed invariant fails.
run_fuzzer() {
    local binary=$1 seeds=$2 work=$3 seconds=$4 executed
    rm -rf "$work/corpus"
    mkdir -p "$work/corpus"
    cp "$seeds"/* "$work/corpus/"
    "$binary" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$work/" "$work/corpus" >"$work/fuzz.log" 2>&1 ||
        { tail -n 40 "$work/fuzz.log"; fail "the fuzzer found a failing input (above)"; }
    grep -E 'DONE|stat::number_of_executed_units|stat::peak_rss' "$work/fuzz.log" || true
    executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
    [[ ${executed:-0} -gt 0 ]] || fail "the fuzzer executed nothing"
    echo "fuzz: $executed executions in ${seconds}s, no failure"
}
