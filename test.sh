#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is missing, builds otelctx and runs every test.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")" && pwd)
BUILD=${OTELCTX_BUILD_DIR:-$ROOT/build}
# shellcheck source=scripts/require.sh
source "$ROOT/scripts/require.sh"
# shellcheck source=scripts/toolchain.sh
source "$ROOT/scripts/toolchain.sh"

install_prerequisites() {
    require_commands cmake:cmake make:make gcc:gcc readelf:binutils \
        objdump:binutils pkg-config:pkgconf valgrind:valgrind python3:python3 \
        protoc:protobuf-compiler gdb:gdb musl-gcc:musl-tools
    require_toolchain
    require_clang_runtime
}

# libFuzzer and clang's ASan live in a package of their own.
require_clang_runtime() {
    local fuzzer
    fuzzer=$("$OTELCTX_CC" -print-file-name="libclang_rt.fuzzer-$(uname -m).a")
    [[ -f $fuzzer ]] || require_packages "libclang-rt-$("$OTELCTX_CC" -dumpversion | cut -d. -f1)-dev"
}

# build_and_test NAME LABELS CMAKE_ARGS...: configure, build (the gate runs
# as a post-build step) and run the ctest suite (LABELS: a ctest -L regex,
# "" for every test) for one build.
build_and_test() {
    local name=$1 labels=$2
    shift 2
    require_log "$name build"
    cmake -S "$ROOT" -B "$BUILD/$name" -DOTELCTX_WERROR=ON "$@" >/dev/null
    cmake --build "$BUILD/$name" -j"$(nproc)"
    require_log "$name tests"
    local select=()
    [[ -n $labels ]] && select=(-L "$labels")
    ctest --test-dir "$BUILD/$name" --output-on-failure -j"$(nproc)" "${select[@]}"
}

main() {
    install_prerequisites
    local default=(-DCMAKE_C_COMPILER=gcc)
    local optimized=(-DOTELCTX_OPTIMIZED=ON -DCMAKE_C_COMPILER="$OTELCTX_CC"
                     -DCMAKE_CXX_COMPILER="$OTELCTX_CXX" -DOTELCTX_LLD="$OTELCTX_LLD")
    build_and_test default "" "${default[@]}"
    build_and_test optimized "" "${optimized[@]}"
    # ASan + UBSan: the unit and scenario tests again, in both modes.
    build_and_test default-sanitize "^(unit|scenario)$" "${default[@]}" -DOTELCTX_SANITIZE=ON
    build_and_test optimized-sanitize "^(unit|scenario)$" "${optimized[@]}" -DOTELCTX_SANITIZE=ON
    echo "test.sh: all builds and tests passed"
}

main "$@"
