# SPDX-License-Identifier: Apache-2.0
# Sourced by the scripts that build otelctx with musl-gcc (tests/musl/run.sh,
# tests/tls_access/musl.sh): the library as a musl distribution would build
# it, the shim with TLSDESC and the version script, without CMake.

# musl_build_library CC SRC_ROOT WORK_DIR: WORK_DIR/libotelctx.so.
musl_build_library() {
    local cc=$1 root=$2 work=$3
    local flags=(-O2 -g -std=c11 -D_GNU_SOURCE -fPIC -fvisibility=hidden -I"$root/include")
    "$cc" "${flags[@]}" -mtls-dialect=gnu2 -c "$root/shim/tls_slot.c" -o "$work/tls_slot.o"
    local objs=("$work/tls_slot.o") src
    for src in "$root"/src/*.c; do
        "$cc" "${flags[@]}" -I"$root/shim" -c "$src" -o "$work/$(basename "$src" .c).o"
        objs+=("$work/$(basename "$src" .c).o")
    done
    "$cc" -shared -Wl,--version-script="$root/src/otelctx.map" -Wl,--no-undefined \
        -Wl,-z,nodelete -o "$work/libotelctx.so" "${objs[@]}"
}
