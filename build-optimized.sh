#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the optimized otelctx (ThinLTO bitcode, lld, version script) and
# runs the ELF gate on it. Installs clang-19/lld-19 when missing (as root).
#
# Usage: ./build-optimized.sh [--build-dir DIR] [--install PREFIX] [CMAKE_ARG...]
#   --build-dir DIR    where to build (default: build/optimized)
#   --install PREFIX   also install the result under PREFIX
#   CMAKE_ARG...       passed to cmake at configure time (e.g. -DOTELCTX_WERROR=ON)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/require.sh
source "$ROOT/scripts/require.sh"
# shellcheck source=scripts/toolchain.sh
source "$ROOT/scripts/toolchain.sh"

BUILD_DIR=$ROOT/build/optimized
PREFIX=""
CMAKE_ARGS=()

usage() {
    sed -n '6,10s/^# \{0,1\}//p' "$0"
    exit "$1"
}

parse_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
        --build-dir) BUILD_DIR=$(realpath -m "${2:?--build-dir needs a directory}"); shift 2 ;;
        --install) PREFIX=$(realpath -m "${2:?--install needs a prefix}"); shift 2 ;;
        -h | --help) usage 0 ;;
        *) CMAKE_ARGS+=("$1"); shift ;;
        esac
    done
}

build() {
    cmake -S "$ROOT" -B "$BUILD_DIR" -DOTELCTX_OPTIMIZED=ON \
        -DCMAKE_C_COMPILER="$OTELCTX_CC" -DCMAKE_CXX_COMPILER="$OTELCTX_CXX" \
        -DOTELCTX_LLD="$OTELCTX_LLD" "${CMAKE_ARGS[@]}" >/dev/null
    # The gate runs as the library's post-build step: a failing gate fails
    # here. The log is shown only then; on success report() prints the gate.
    local log=$BUILD_DIR/build.log
    if ! cmake --build "$BUILD_DIR" -j"$(nproc)" --target otelctx otelctx_static >"$log" 2>&1; then
        cat "$log" >&2
        require_fail "optimized build failed (log: $log)"
    fi
}

report() {
    local lib archive
    lib=$(readlink -f "$BUILD_DIR/libotelctx.so")
    archive=$BUILD_DIR/libotelctx.a
    echo
    python3 "$ROOT/scripts/elf_gate.py" --optimized --map "$ROOT/src/otelctx.map" "$lib"
    echo
    echo "artifacts:"
    echo "  shared library:          $lib"
    echo "  ThinLTO bitcode archive: $archive"
    if [[ -n $PREFIX ]]; then
        cmake --install "$BUILD_DIR" --prefix "$PREFIX" >/dev/null
        echo "  installed under:         $PREFIX"
    fi
}

main() {
    parse_args "$@"
    require_commands cmake:cmake make:make readelf:binutils objdump:binutils python3:python3
    require_toolchain
    build
    report
}

main "$@"
