#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the optimized otelctx (ThinLTO bitcode, lld, version script) and
# runs the ELF gate on it. Installs clang-19/lld-19 when missing (as root).
#
# Usage: ./build-optimized.sh [--target ARCH] [--build-dir DIR] [--install PREFIX] [CMAKE_ARG...]
#   --target ARCH      x86_64 (native, the default) or aarch64 (cross-compiled
#                      with clang --target and lld; cmake/aarch64-linux-gnu.cmake)
#   --build-dir DIR    where to build (default: build/optimized, build/aarch64-optimized)
#   --install PREFIX   also install the result under PREFIX
#   CMAKE_ARG...       passed to cmake at configure time (e.g. -DOTELCTX_WERROR=ON)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/require.sh
source "$ROOT/scripts/require.sh"
# shellcheck source=scripts/toolchain.sh
source "$ROOT/scripts/toolchain.sh"
# shellcheck source=scripts/builds.sh
source "$ROOT/scripts/builds.sh"

TARGET=x86_64
BUILD_DIR=""
PREFIX=""
CMAKE_ARGS=()

usage() {
    sed -n '6,12s/^# \{0,1\}//p' "$0"
    exit "$1"
}

parse_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
        --target) TARGET=${2:?--target needs x86_64 or aarch64}; shift 2 ;;
        --build-dir) BUILD_DIR=$(realpath -m "${2:?--build-dir needs a directory}"); shift 2 ;;
        --install) PREFIX=$(realpath -m "${2:?--install needs a prefix}"); shift 2 ;;
        -h | --help) usage 0 ;;
        *) CMAKE_ARGS+=("$1"); shift ;;
        esac
    done
    case $TARGET in
    x86_64) BUILD_DIR=${BUILD_DIR:-$ROOT/build/optimized} ;;
    aarch64) BUILD_DIR=${BUILD_DIR:-$ROOT/build/aarch64-optimized} ;;
    *) echo "error: unknown --target '$TARGET' (x86_64 or aarch64)" >&2; usage 2 ;;
    esac
}

build() {
    if [[ $TARGET == aarch64 ]]; then
        mode_args aarch64-optimized
    else
        mode_args optimized
    fi
    # Only the library is built here: no BPF sampler, so no bpftool or libbpf.
    cmake -S "$ROOT" -B "$BUILD_DIR" "${MODE_ARGS[@]}" \
        -DOTELCTX_BENCHMARKS=OFF -DOTELCTX_SAMPLE=OFF "${CMAKE_ARGS[@]}" >/dev/null
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
    sh "$BUILD_DIR/elf-gate.sh"
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
    require "the build and its ELF gate" cmake:cmake make:make readelf:binutils objdump:binutils \
        python3:python3
    require_toolchain
    if [[ $TARGET == aarch64 ]]; then require_aarch64_tools; fi
    build
    report
}

main "$@"
