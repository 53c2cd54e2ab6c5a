#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is missing, builds otelctx and runs every test.
# OTELCTX_SKIP_BPF=1: the tests that load BPF (label bpf, the Rust
# publisher's sampling) exit as skipped, and the end of the run says so.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")" && pwd)
BUILD=${OTELCTX_BUILD_DIR:-$ROOT/build}
# shellcheck source=scripts/require.sh
source "$ROOT/scripts/require.sh"
# shellcheck source=scripts/toolchain.sh
source "$ROOT/scripts/toolchain.sh"
# shellcheck source=scripts/builds.sh
source "$ROOT/scripts/builds.sh"
# shellcheck source=scripts/rust_toolchain.sh
source "$ROOT/scripts/rust_toolchain.sh"

install_prerequisites() {
    require "the default build and its tests: compilers, ELF tools, readers" \
        cmake:cmake make:make gcc:gcc readelf:binutils objdump:binutils pkg-config:pkgconf \
        valgrind:valgrind python3:python3 protoc:protobuf-compiler gdb:gdb ld.lld:lld
    require "the musl build" musl-gcc:musl-tools
    require "the BPF sampler of otelctx-inspect (x86-64 glibc builds)" /usr/sbin/bpftool:bpftool \
        /usr/include/bpf/libbpf.h:libbpf-dev
    require "the documentation's tests: man pages, C++ examples" man:man-db g++:g++
    require "the runtime bindings' tests (ctest -L runtimes): JNI, CPython, Ruby" \
        javac:openjdk-17-jdk-headless /usr/include/python3.11/Python.h:python3-dev ruby:ruby-dev \
        /usr/include/ruby-3.1.0/ruby.h:ruby-dev
    # The Rust examples of docs/ and the Rust suite: Debian's rustc-web 1.85,
    # and the packaged crates their feature tracing builds against offline.
    require_debian_rust
    require_debian_crates
    require_toolchain
    require_clang_runtime
    require_bench_tools
    require_aarch64_tools
}

# libFuzzer and clang's ASan live in a package of their own.
require_clang_runtime() {
    local fuzzer
    fuzzer=$("$OTELCTX_CC" -print-file-name="libclang_rt.fuzzer-$(uname -m).a")
    [[ -f $fuzzer ]] || require_packages "libFuzzer and the sanitizer runtimes" \
        "libclang-rt-$("$OTELCTX_CC" -dumpversion | cut -d. -f1)-dev"
}

# run_tests NAME LABELS: the ctest suite of build NAME (LABELS: a ctest -L
# regex, "" for every test).
run_tests() {
    local name=$1 labels=$2 select=()
    [[ -n $labels ]] && select=(-L "$labels")
    require_log "$name tests"
    ctest --test-dir "$BUILD/$name" --output-on-failure -j"$(nproc)" "${select[@]}"
}

# A few milliseconds per benchmark against both builds, and the exact counts.
bench_smoke() {
    require_log "benchmark smoke"
    "$ROOT/bench/smoke.sh" "$BUILD"
    require_log "instructions per operation"
    "$ROOT/bench/instructions.sh" "$BUILD"
}

main() {
    install_prerequisites
    build_mode "$BUILD" default
    run_tests default ""
    build_mode "$BUILD" optimized
    run_tests optimized ""
    bench_smoke
    # ASan + UBSan: the unit, scenario and hostile-target tests again, in both modes.
    build_mode "$BUILD" default-sanitize
    run_tests default-sanitize "^(unit|scenario|hostile)$"
    build_mode "$BUILD" optimized-sanitize
    run_tests optimized-sanitize "^(unit|scenario|hostile)$"
    # musl-gcc as the C compiler: library, install, tool and tests on musl.
    build_mode "$BUILD" musl
    run_tests musl ""
    # aarch64: cross-built, the gate on its artifacts, tests under qemu.
    build_mode "$BUILD" aarch64-default
    run_tests aarch64-default ""
    build_mode "$BUILD" aarch64-optimized
    run_tests aarch64-optimized ""
    # Rust: the crate in both link modes, readers, cdylib, gate, aarch64.
    require_log "Rust tests"
    "$ROOT/tests/rust/run.sh" "$BUILD"
    echo "test.sh: all builds and tests passed"
    if [[ ${OTELCTX_SKIP_BPF:-} == 1 ]]; then
        echo "test.sh: bpf tests skipped (OTELCTX_SKIP_BPF=1)"
    fi
}

main "$@"
