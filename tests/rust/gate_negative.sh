#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Proves the consumer gate can fail: builds a Rust consumer with one of the
# silent failures of cross-language LTO on purpose (the build succeeds) and
# asserts it is rejected with that failure's own message. "good" is the same
# recipe unbroken and must pass, so each rejection is the break's.
#
# Usage: gate_negative.sh CASE WORK_DIR
#   CASE  good | good-cdylib | opt-level-0 | no-plugin-lto | march |
#         export-from-dependency | cdylib-no-version-script | cdylib-no-tlsdesc
set -euo pipefail

CASE=$1
WORK=$2/$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CARGO_LTO=$ROOT/rust/cargo-lto

fail() { echo "gate_negative $CASE: FAIL: $*" >&2; exit 1; }

# expect_rejected PATTERN COMMAND...: COMMAND fails and its stderr matches.
expect_rejected() {
    local pattern=$1
    shift
    if "$@" >"$WORK/out.log" 2>"$WORK/err.log"; then
        cat "$WORK/out.log" "$WORK/err.log"
        fail "accepted; expected a rejection matching: $pattern"
    fi
    grep -qE "$pattern" "$WORK/err.log" || { cat "$WORK/err.log"; fail "rejected, but not with: $pattern"; }
    grep -E "$pattern" "$WORK/err.log" | head -n1 | sed "s/^/gate_negative $CASE: rejected: /"
}

expect_passed() {
    "$@" >"$WORK/out.log" 2>"$WORK/err.log" || { cat "$WORK/out.log" "$WORK/err.log"; fail "rejected the unbroken build"; }
    echo "gate_negative $CASE: passed: $(grep -c 'consumer-gate: PASS' "$WORK/out.log") artifact(s)"
}

# cargo_without FLAG_PATTERN CRATE: cargo build --release of CRATE with
# cargo-lto's environment minus the flags matching FLAG_PATTERN, then the
# consumer gate on what it built.
cargo_without() {
    local drop=$1 crate=$2 var flags=() kept=() flag
    eval "$("$CARGO_LTO" --print-env build)"
    var=$(compgen -e | grep -E '^CARGO_TARGET_.*_RUSTFLAGS$' | head -n1)
    read -ra flags <<<"${!var}"
    for flag in "${flags[@]}"; do
        [[ $flag =~ $drop ]] || kept+=("$flag")
    done
    [[ ${#kept[@]} -lt ${#flags[@]} ]] || fail "no flag matches $drop"
    export "$var=${kept[*]}"
    (cd "$HERE/$crate" && "$OTELCTX_CARGO" build --release --features lto) >"$WORK/build.log" 2>&1 ||
        { cat "$WORK/build.log" >&2; return 1; }
    local artifact rc=0
    for artifact in "$CARGO_TARGET_DIR"/release/otelctx-rust-publisher "$CARGO_TARGET_DIR"/release/libotelctx_rust_sdk.so; do
        [[ -f $artifact ]] || continue
        python3 "$ROOT/scripts/consumer_gate.py" "$artifact" --inspect "$OTELCTX_INSPECT" \
            --rustflags "${kept[*]}" --rustc "$RUSTC" --archive "$OTELCTX_DIR/libotelctx.a" || rc=1
    done
    return $rc
}

in_crate() {
    local crate=$1
    shift
    (cd "$HERE/$crate" && "$@")
}

main() {
    rm -rf "$WORK"
    mkdir -p "$WORK"
    export CARGO_TARGET_DIR=$WORK/target
    case $CASE in
    good) expect_passed in_crate publisher "$CARGO_LTO" build --release --features lto ;;
    good-cdylib) expect_passed in_crate sdk_cdylib "$CARGO_LTO" build --release --features lto ;;
    opt-level-0) expect_rejected 'cause: opt-level 0' in_crate publisher "$CARGO_LTO" build --features lto ;;
    no-plugin-lto) expect_rejected 'needs -Clinker-plugin-lto' cargo_without '^-Clinker-plugin-lto$' publisher ;;
    march)
        # The C archive built for a newer CPU than Rust's default target-cpu.
        local archive_dir=$WORK/c-x86-64-v3
        CC=${OTELCTX_CLANG:-} "$ROOT/build-optimized.sh" --build-dir "$archive_dir" \
            -DCMAKE_C_FLAGS=-march=x86-64-v3 >"$WORK/c-build.log" 2>&1 ||
            { cat "$WORK/c-build.log"; fail "building the x86-64-v3 archive failed"; }
        expect_rejected 'cause: the C archive was built for target-cpu x86-64-v3' \
            env OTELCTX_DIR="$archive_dir" bash -c "cd '$HERE/publisher' && '$CARGO_LTO' build --release --features lto" ;;
    export-from-dependency)
        # Only otelctx's own build.rs exports the slot: that reaches its own
        # targets, not this binary.
        expect_rejected 'dependency.s build.rs' cargo_without 'export-dynamic-symbol' publisher ;;
    cdylib-no-version-script)
        expect_rejected "hidden: a shared library's version script" cargo_without 'version-script' sdk_cdylib ;;
    cdylib-no-tlsdesc)
        expect_rejected 'not TLSDESC|no TLSDESC relocation' cargo_without 'enable-tlsdesc' sdk_cdylib
        grep -q 'plugin-opt=-enable-tlsdesc' "$WORK/err.log" || fail "the rejection does not name -enable-tlsdesc" ;;
    *) fail "unknown case" ;;
    esac
}

main
