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
        protoc:protobuf-compiler gdb:gdb
    require_toolchain
}

# build_and_test NAME CMAKE_ARGS...: configure, build (the gate runs as a
# post-build step) and run the whole ctest suite for one build mode.
build_and_test() {
    local name=$1
    shift
    require_log "$name build"
    cmake -S "$ROOT" -B "$BUILD/$name" -DOTELCTX_WERROR=ON "$@" >/dev/null
    cmake --build "$BUILD/$name" -j"$(nproc)"
    require_log "$name tests"
    ctest --test-dir "$BUILD/$name" --output-on-failure -j"$(nproc)"
}

main() {
    install_prerequisites
    build_and_test default -DCMAKE_C_COMPILER=gcc
    build_and_test optimized -DOTELCTX_OPTIMIZED=ON -DCMAKE_C_COMPILER="$OTELCTX_CC" \
        -DCMAKE_CXX_COMPILER="$OTELCTX_CXX" -DOTELCTX_LLD="$OTELCTX_LLD"
    echo "test.sh: all builds and tests passed"
}

main "$@"
