#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The cost of publishing from each runtime (docs/runtimes.md): one row per
# runtime, each the median of several runs, in ns per call pair:
#   update + detach (2 attributes)   a span published in place, then ended
#   attach prepared + restore        a prepared record swapped in and out
# Rows: C (bench/runtime_cost.c), JNI (bindings/jni/bench/JniCost.java), and
# the rows of bindings/python/cost.py and bindings/ruby/cost.rb; each
# program prints "NAME UPDATE_DETACH_NS ATTACH_RESTORE_NS" lines. All pinned
# to the last CPU. Prints the Markdown table docs/runtimes.md shows.
#
# Usage: bench/runtimes_cost.sh BUILD_ROOT
#   BUILD_ROOT/default: a default build with benchmarks (-DOTELCTX_BENCHMARKS=ON)
#   and the JNI binding (a JDK at configure time)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON_COST=$ROOT/bindings/python/cost.py
RUBY_COST=$ROOT/bindings/ruby/cost.rb

fail() {
    echo "runtimes_cost: $*" >&2
    exit 1
}

# require_file PATH WHAT: fails naming PATH when it does not exist.
require_file() {
    [[ -e $1 ]] || fail "$1 missing ($2)"
}

# The last CPU: on a 2-core VM the other one keeps the rest of the system.
pin() {
    taskset -c "$(($(nproc) - 1))" "$@"
}

# The java of the JDK whose javac the build found (CMake cache).
build_java() {
    local javac
    javac=$(sed -n 's/^OTELCTX_JAVAC:FILEPATH=//p' "$BUILD/CMakeCache.txt")
    [[ -n $javac ]] || fail "$BUILD was configured without a JDK (no OTELCTX_JAVAC in its CMakeCache.txt)"
    echo "$(dirname "$(readlink -f "$javac")")/java"
}

# measure: every runtime's rows, "NAME UPDATE_DETACH ATTACH_RESTORE" lines.
measure() {
    local jni=$BUILD/bindings/jni
    pin "$BUILD/bench/runtime_cost"
    pin "$(build_java)" -Dotelctx.jni.library="$jni/libotelctx_jni.so" -cp "$jni/otelctx.jar" \
        "$ROOT/bindings/jni/bench/JniCost.java"
    pin python3 "$PYTHON_COST" "$BUILD"
    pin ruby "$RUBY_COST" "$BUILD"
}

# table: the rows as Markdown, each name as docs/runtimes.md says it; the
# whole table or, for a line that is not a row, nothing but the failure.
table() {
    local name update attach rest lines=""
    while read -r name update attach rest; do
        [[ -z $rest && $update =~ ^[0-9.]+$ && $attach =~ ^[0-9.]+$ ]] ||
            fail "not a row: $name $update $attach $rest"
        case $name in
        C) name="C (\`libotelctx.so\`)" ;;
        JNI) name="JVM: JNI (\`io.otelctx\`)" ;;
        cpython-extension) name="CPython: C extension" ;;
        ctypes) name="CPython: ctypes" ;;
        ruby-extension) name="Ruby: C extension" ;;
        fiddle) name="Ruby: Fiddle" ;;
        esac
        lines+=$(printf '| %s | %s ns | %s ns |' "$name" "$update" "$attach")$'\n'
    done
    echo "| runtime | update + detach (2 attributes) | attach prepared + restore |"
    echo "|---|---:|---:|"
    printf '%s' "$lines"
}

main() {
    [[ $# -eq 1 ]] || fail "usage: bench/runtimes_cost.sh BUILD_ROOT"
    BUILD=$(realpath -m "$1")/default
    require_file "$BUILD/bench/runtime_cost" "a default build with -DOTELCTX_BENCHMARKS=ON"
    require_file "$BUILD/bindings/jni/libotelctx_jni.so" "the JNI binding: configure with a JDK"
    require_file "$PYTHON_COST" "the CPython rows"
    require_file "$RUBY_COST" "the Ruby rows"
    local rows
    rows=$(measure)
    table <<<"$rows"
}

main "$@"
