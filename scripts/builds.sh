# SPDX-License-Identifier: Apache-2.0
# Sourced by test.sh and bench/compare.sh after scripts/toolchain.sh: the
# CMake arguments of the two build modes, and one function to build a mode.

# mode_args NAME: the CMake arguments of build NAME (default, optimized,
# default-sanitize, optimized-sanitize, aarch64-default, aarch64-optimized,
# musl) into the array MODE_ARGS.
mode_args() {
    local aarch64=(-DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/aarch64-linux-gnu.cmake")
    case $1 in
    # The default build with musl-gcc as the C compiler: what a musl
    # distribution builds (no benchmarks: google-benchmark is glibc C++).
    musl) MODE_ARGS=(-DCMAKE_C_COMPILER=musl-gcc); return ;;
    aarch64-default) MODE_ARGS=("${aarch64[@]}"); return ;;
    aarch64-optimized) MODE_ARGS=("${aarch64[@]}" -DOTELCTX_OPTIMIZED=ON
                                  -DOTELCTX_AARCH64_CLANG="$OTELCTX_CC" -DOTELCTX_LLD="$OTELCTX_LLD")
                       return ;;
    default*) MODE_ARGS=(-DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++) ;;
    optimized*) MODE_ARGS=(-DOTELCTX_OPTIMIZED=ON -DCMAKE_C_COMPILER="$OTELCTX_CC"
                           -DCMAKE_CXX_COMPILER="$OTELCTX_CXX" -DOTELCTX_LLD="$OTELCTX_LLD") ;;
    *) require_fail "unknown build $1" ;;
    esac
    if [[ $1 == *-sanitize ]]; then
        MODE_ARGS+=(-DOTELCTX_SANITIZE=ON)
    else
        MODE_ARGS+=(-DOTELCTX_BENCHMARKS=ON)
    fi
}

# build_mode BUILD_ROOT NAME: configures and builds BUILD_ROOT/NAME (the ELF
# gate runs as a post-build step); a no-op when it is up to date.
build_mode() {
    local root=$1 name=$2
    mode_args "$name"
    require_log "$name build"
    cmake -S "$ROOT" -B "$root/$name" -DOTELCTX_WERROR=ON "${MODE_ARGS[@]}" >/dev/null
    cmake --build "$root/$name" -j"$(nproc)"
}

# require_bench_tools: what the benchmarks need on top of the toolchain.
require_bench_tools() {
    require "benchmarks: google-benchmark, CPU pinning" g++:g++ taskset:util-linux \
        /usr/include/benchmark/benchmark.h:libbenchmark-dev
}

# require_aarch64_tools: the cross toolchain, the gate's objdump for aarch64
# and user-mode emulation to run the tests.
require_aarch64_tools() {
    require "aarch64 builds: cross compiler, objdump, qemu to run the tests" \
        aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu \
        aarch64-linux-gnu-objdump:binutils-aarch64-linux-gnu \
        qemu-aarch64-static:qemu-user-static \
        /usr/aarch64-linux-gnu/include/stdio.h:libc6-dev-arm64-cross
}
