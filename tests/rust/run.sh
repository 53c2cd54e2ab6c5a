#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every Rust test, against the C builds of BUILD_ROOT (test.sh builds them
# first: default, optimized, aarch64-default). Uses Debian's rustc-web 1.85,
# the toolchain of a fresh machine, except for the external consumer, which
# gets whatever rust/cargo-lto picks here.
#   1. cargo test of the crate with feature tracing, dynamic against
#      build/default's libotelctx.so; the tracing example read by
#      otelctx-inspect while its threads are inside spans; a dependent's
#      binary without and with the rpath docs/rust.md shows; cargo test with
#      feature lto through rust/cargo-lto (the gate on its tests);
#   2. the Rust scenario publisher (4 threads, its key indexes named) read by
#      gdb and otelctx-inspect --strict,
#      byte for byte: linked to libotelctx.so, and LTO-linked; the LTO-linked
#      one also sampled from the kernel (otelctx-inspect sample; skipped with
#      OTELCTX_SKIP_BPF=1);
#   3. the Rust cdylib SDK dlopened by a C host, read the same way, and
#      sampled;
#   4. the signal stress of the Rust-inlined writers;
#   5. the consumer gate's negative cases;
#   6. a new crate outside the repository built with rust/cargo-lto;
#   7. the benchmark smoke of bench/rust and its instruction counts;
#   8. aarch64: the crate's tests (feature tracing too) and example
#      cross-built, run under qemu.
# Every cargo run resolves crates.io's crates (feature tracing's, optional but
# resolved all the same) offline, from Debian's packaged crates.
# Usage: tests/rust/run.sh BUILD_ROOT
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(realpath "$1")
WORK=$BUILD/rust-tests
HERE=$ROOT/tests/rust
# shellcheck source=../../scripts/require.sh
source "$ROOT/scripts/require.sh"
# shellcheck source=../../scripts/toolchain.sh
source "$ROOT/scripts/toolchain.sh"
# shellcheck source=../../scripts/rust_toolchain.sh
source "$ROOT/scripts/rust_toolchain.sh"

INSPECT=$BUILD/default/tools/otelctx-inspect/otelctx-inspect
READER=(python3 "$ROOT/tests/scenario_reader.py")

stage() { require_log "rust: $*"; }

# sampled NAME SLOT_OBJECT PROGRAM [ARG...]: the scenario publisher PROGRAM,
# the slot in SLOT_OBJECT, sampled as the eBPF profiler reads it. Exit 77 of
# the reader is OTELCTX_SKIP_BPF=1: said, not failed.
sampled() {
    local name=$1 slot_object=$2 status=0
    shift 2
    "${READER[@]}" "$name" --reader sample --tls any --inspect "$INSPECT" \
        --slot-object "$slot_object" -- "$@" || status=$?
    [[ $status -eq 77 ]] && return 0
    return "$status"
}

# cargo_dynamic DIR ARG...: cargo linking DIR's libotelctx.so.
cargo_dynamic() {
    local dir=$1
    shift
    OTELCTX_DIR=$dir RUSTC=$OTELCTX_RUSTC RUSTDOC=$OTELCTX_RUSTDOC "$OTELCTX_CARGO" "$@"
}

crate_tests() {
    stage "cargo test, linked to libotelctx.so"
    (cd "$ROOT/rust" && CARGO_TARGET_DIR=$WORK/crate-so cargo_dynamic "$BUILD/default" test --offline -q \
        --features tracing)
    stage "the tracing layer's spans, read by otelctx-inspect"
    (cd "$ROOT/rust" && CARGO_TARGET_DIR=$WORK/crate-so cargo_dynamic "$BUILD/default" build --offline -q \
        --features tracing --example tracing_spans)
    python3 "$HERE/tracing_reader.py" --inspect "$INSPECT" -- "$WORK/crate-so/debug/examples/tracing_spans"
    stage "a dependent's binary finds libotelctx.so: fails as built, runs with the documented build.rs"
    OTELCTX_CARGO=$OTELCTX_CARGO RUSTC=$OTELCTX_RUSTC "$HERE/dependent_rpath.sh" "$WORK" "$BUILD/default"
    stage "cargo test, feature lto through cargo-lto"
    (cd "$ROOT/rust" && CARGO_TARGET_DIR=$WORK/crate-lto RUSTC=$OTELCTX_RUSTC \
        "$ROOT/rust/cargo-lto" test --offline -q --release --features lto,tracing &&
        "$ROOT/rust/cargo-lto" run --offline -q --release --features lto --example publish)
}

scenarios() {
    stage "scenario publisher linked to libotelctx.so"
    (cd "$HERE/publisher" && CARGO_TARGET_DIR=$WORK/publisher-so cargo_dynamic "$BUILD/default" build --offline -q --release)
    "${READER[@]}" rust_shared --reader gdb,inspect --tls any --inspect "$INSPECT" -- \
        env LD_LIBRARY_PATH="$BUILD/default" "$WORK/publisher-so/release/otelctx-rust-publisher"
    stage "scenario publisher LTO-linked"
    (cd "$HERE/publisher" && CARGO_TARGET_DIR=$WORK/publisher-lto RUSTC=$OTELCTX_RUSTC \
        "$ROOT/rust/cargo-lto" build --offline -q --release --features lto)
    "${READER[@]}" rust_lto --reader gdb,inspect --tls any --inspect "$INSPECT" -- \
        "$WORK/publisher-lto/release/otelctx-rust-publisher"
    stage "scenario publisher LTO-linked, sampled from the kernel"
    sampled rust_lto_sampled "$WORK/publisher-lto/release/otelctx-rust-publisher" \
        "$WORK/publisher-lto/release/otelctx-rust-publisher"
    stage "cdylib SDK dlopened by a C host"
    (cd "$HERE/sdk_cdylib" && CARGO_TARGET_DIR=$WORK/sdk RUSTC=$OTELCTX_RUSTC \
        "$ROOT/rust/cargo-lto" build --offline -q --release --features lto)
    gcc -O2 -Wall -Wextra -Werror -o "$WORK/sdk_host" "$HERE/sdk_host.c"
    "${READER[@]}" rust_sdk_cdylib --reader gdb,inspect --tls any --inspect "$INSPECT" -- \
        "$WORK/sdk_host" "$WORK/sdk/release/libotelctx_rust_sdk.so"
    stage "cdylib SDK dlopened by a C host, sampled from the kernel"
    sampled rust_sdk_cdylib_sampled "$WORK/sdk/release/libotelctx_rust_sdk.so" \
        "$WORK/sdk_host" "$WORK/sdk/release/libotelctx_rust_sdk.so"
    stage "signal stress of the Rust-inlined writers"
    "$WORK/publisher-lto/release/signal_stress"
}

gate_negative() {
    local case
    for case in good good-cdylib opt-level-0 no-plugin-lto march export-from-dependency \
        cdylib-no-version-script cdylib-no-tlsdesc; do
        stage "consumer gate: $case"
        RUSTC=$OTELCTX_RUSTC "$HERE/gate_negative.sh" "$case" "$WORK/gate"
    done
}

aarch64() {
    stage "aarch64: the crate's tests and example, cross-built, under qemu"
    (cd "$ROOT/rust" &&
        export CARGO_TARGET_DIR=$WORK/aarch64 \
            CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="--sysroot $AARCH64_SYSROOT" \
            CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
            CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64-static -L /usr/aarch64-linux-gnu" &&
        cargo_dynamic "$BUILD/aarch64-default" test --offline -q --release --features tracing \
            --target aarch64-unknown-linux-gnu &&
        cargo_dynamic "$BUILD/aarch64-default" run --offline -q --release \
            --target aarch64-unknown-linux-gnu --example publish) | tee "$WORK/aarch64.log"
    grep -qx 'publish: ok' "$WORK/aarch64.log" || require_fail "the aarch64 example did not report ok"
}

# aarch64_sysroot: a private Rust sysroot with Debian's aarch64 std (from
# libstd-rust-web-dev:arm64, matching rustc-web 1.85) into AARCH64_SYSROOT.
# The package is downloaded and unpacked, not installed: installing it pulls
# in libc6:arm64, whose entries in the host's ld.so.cache then mix with the
# cross libc under qemu -L and hang every fork and thread start there.
aarch64_sysroot() {
    AARCH64_SYSROOT=$BUILD/rust-aarch64-sysroot
    local std=$AARCH64_SYSROOT/std
    if [[ ! -d $std/usr/lib/rustlib/aarch64-unknown-linux-gnu/lib ]]; then
        local deb_dir=$BUILD/rust-aarch64-deb
        local download=(apt-get download -q "libstd-rust-web-dev:arm64=$RUST_WEB_VERSION")
        if ! dpkg --print-foreign-architectures | grep -qx arm64 ||
            ! apt-cache show "libstd-rust-web-dev:arm64=$RUST_WEB_VERSION" >/dev/null 2>&1; then
            [[ $(id -u) -eq 0 ]] ||
                require_fail "aarch64 Rust std: as root, dpkg --add-architecture arm64 && apt-get update"
            require_log "adding the arm64 package lists (aarch64 Rust std, unpacked, not installed)"
            dpkg --add-architecture arm64
            local log
            log=$(mktemp "${TMPDIR:-/tmp}/otelctx-apt.XXXXXX.log")
            require_apt "$log" update -q
            rm -f "$log"
        fi
        rm -rf "$deb_dir" "$std"
        mkdir -p "$deb_dir" "$std"
        (cd "$deb_dir" && "${download[@]}" >/dev/null 2>&1) || require_fail "${download[*]} failed"
        dpkg-deb -x "$deb_dir"/*.deb "$std"
    fi
    mkdir -p "$AARCH64_SYSROOT/lib/rustlib"
    ln -sfn /usr/lib/rustlib/x86_64-unknown-linux-gnu "$AARCH64_SYSROOT/lib/rustlib/x86_64-unknown-linux-gnu"
    ln -sfn /usr/lib/rustlib/etc "$AARCH64_SYSROOT/lib/rustlib/etc"
    ln -sfn "$std/usr/lib/rustlib/aarch64-unknown-linux-gnu" \
        "$AARCH64_SYSROOT/lib/rustlib/aarch64-unknown-linux-gnu"
}

bench_smoke() {
    stage "benchmark smoke: bench/rust in three link modes, and its instruction counts"
    (cd "$ROOT/bench/rust" && CARGO_TARGET_DIR=$WORK/bench-so cargo_dynamic "$BUILD/default" build --offline -q --release)
    (cd "$ROOT/bench/rust" && CARGO_TARGET_DIR=$WORK/bench-lto RUSTC=$OTELCTX_RUSTC \
        "$ROOT/rust/cargo-lto" build --offline -q --release --features lto)
    local so=$WORK/bench-so/release/otelctx-bench-rust lto=$WORK/bench-lto/release/otelctx-bench-rust mode
    for mode in default optimized; do
        LD_LIBRARY_PATH=$BUILD/$mode "$so" --benchmark_min_time=0.002 --benchmark_format=json >"$WORK/bench-$mode.json"
        python3 "$ROOT/bench/report.py" --check rust "$WORK/bench-$mode.json"
    done
    "$lto" --benchmark_min_time=0.002 --benchmark_format=json >"$WORK/bench-lto.json"
    python3 "$ROOT/bench/report.py" --check rust "$WORK/bench-lto.json"
    "$ROOT/bench/rust/instructions.sh" "$BUILD" "$so" "$lto"
}

main() {
    require "Rust tests: readers, the C host" gcc:gcc gdb:gdb python3:python3 objdump:binutils \
        valgrind:valgrind
    require_toolchain
    require_debian_rust
    require_debian_crates
    aarch64_sysroot
    RUSTC=/usr/bin/rustc require_rust
    mkdir -p "$WORK"
    use_debian_crates "$WORK/cargo-home"
    crate_tests
    scenarios
    gate_negative
    stage "a new crate outside the repository, built with cargo-lto's own pick"
    (unset RUSTC; "$HERE/external_consumer.sh" "$WORK")
    bench_smoke
    aarch64
    echo "rust tests: all passed"
}

main "$@"
