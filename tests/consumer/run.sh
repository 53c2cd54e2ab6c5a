#!/usr/bin/env bash
# Installs the build into a scratch prefix, then builds and runs a separate
# consumer project against it through find_package and through pkg-config
# (plain, as the README says: the installed otelctx.pc must name the prefix
# it was installed under, and a second install under another prefix, used
# alone, must name that one).
# Every static executable must export otel_thread_ctx_v1 in .dynsym.
set -euo pipefail

BUILD_DIR=$1
WORK=$2
CC=$3
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=$WORK/prefix
ELSEWHERE=$WORK/elsewhere

fail() { echo "consumer: FAIL: $*" >&2; exit 1; }

require() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null || fail "$tool not found"
    done
}

exports_slot() {
    readelf -W --dyn-syms "$1" | grep -Eq 'TLS +GLOBAL +DEFAULT +[0-9]+ otel_thread_ctx_v1' ||
        fail "$1 does not export otel_thread_ctx_v1 as TLS GLOBAL DEFAULT in .dynsym"
}

run_consumer() {
    local exe=$1
    LD_LIBRARY_PATH=$PREFIX/lib "$exe" | grep -q 'consumer: published' || fail "$exe did not publish"
    echo "consumer: $(basename "$exe") ok"
}

via_find_package() {
    cmake -S "$HERE" -B "$WORK/cmake" -DCMAKE_PREFIX_PATH="$PREFIX" \
        -DCMAKE_C_COMPILER="$CC" >/dev/null
    cmake --build "$WORK/cmake" >/dev/null
    exports_slot "$WORK/cmake/consumer_static"
    run_consumer "$WORK/cmake/consumer_shared"
    run_consumer "$WORK/cmake/consumer_static"
}

pc_libdir_is() {
    local want=$1 got
    got=$(pkg-config --variable=libdir otelctx)
    [[ $(realpath "$got") == "$(realpath "$want")" ]] ||
        fail "otelctx.pc under $want names libdir $got"
}

via_pkg_config() {
    export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
    pc_libdir_is "$PREFIX/lib"
    # shellcheck disable=SC2046
    "$CC" -o "$WORK/pc_shared" "$HERE/main.c" $(pkg-config --cflags --libs otelctx)
    # shellcheck disable=SC2046
    "$CC" -o "$WORK/pc_static" "$HERE/main.c" $(pkg-config --cflags otelctx) \
        $(pkg-config --static --libs otelctx | sed 's/-lotelctx/-l:libotelctx.a/')
    exports_slot "$WORK/pc_static"
    run_consumer "$WORK/pc_shared"
    run_consumer "$WORK/pc_static"
}

# The same build installed under a second prefix: its otelctx.pc names it.
relocated() {
    cmake --install "$BUILD_DIR" --prefix "$ELSEWHERE" >/dev/null
    rm -rf "$PREFIX"
    export PKG_CONFIG_PATH=$ELSEWHERE/lib/pkgconfig
    pc_libdir_is "$ELSEWHERE/lib"
    # shellcheck disable=SC2046
    "$CC" -o "$WORK/pc_elsewhere" "$HERE/main.c" $(pkg-config --cflags --libs otelctx)
    LD_LIBRARY_PATH=$ELSEWHERE/lib "$WORK/pc_elsewhere" | grep -q 'consumer: published' ||
        fail "$WORK/pc_elsewhere did not publish"
    echo "consumer: pc_elsewhere ok (otelctx.pc relocated with its prefix)"
}

main() {
    require cmake readelf pkg-config
    rm -rf "$WORK"
    mkdir -p "$WORK"
    cmake --install "$BUILD_DIR" --prefix "$PREFIX" >/dev/null
    via_find_package
    via_pkg_config
    relocated
}

main
