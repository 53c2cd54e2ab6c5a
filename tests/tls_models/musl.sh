#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The TLS-model writer on musl: slot.c as a TLSDESC library and writer.c,
# both built with musl-gcc (as tests/musl/run.sh builds the library), the
# library linked at start-up (musl: a static TLSDESC descriptor) or
# dlopened (a dynamic one, through musl's 8-byte DTV entries); then
# read_model.py reads it with READER (inspect or sample).
#
# Usage: musl.sh SRC_ROOT WORK_DIR shared|dlopen INSPECT inspect|sample
set -euo pipefail

ROOT=$1 WORK=$2 PLACE=$3 INSPECT=$4 READER=$5
CC=musl-gcc
HERE=$ROOT/tests/tls_models

fail() { echo "tls_model musl $PLACE: FAIL: $*" >&2; exit 1; }

build() {
    command -v "$CC" >/dev/null || fail "$CC not found (apt-get install musl-tools)"
    rm -rf "$WORK"
    mkdir -p "$WORK"
    local flags=(-O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror)
    "$CC" "${flags[@]}" -fPIC -mtls-dialect=gnu2 -shared -o "$WORK/libtls_model_tlsdesc.so" \
        "$HERE/slot.c"
    if [[ $PLACE == shared ]]; then
        "$CC" "${flags[@]}" -DWRITER_BUILT='"tlsdesc"' -o "$WORK/writer" "$HERE/writer.c" \
            -L"$WORK" -ltls_model_tlsdesc -Wl,-rpath,"$WORK" -lpthread
    else
        "$CC" "${flags[@]}" -DWRITER_BUILT='"tlsdesc"' -DWRITER_DLOPEN -o "$WORK/writer" \
            "$HERE/writer.c" -lpthread -ldl
    fi
}

check_libc() {
    local interp
    interp=$(readelf -lW "$WORK/writer" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    [[ $interp == *musl* ]] || fail "writer's interpreter is '$interp', not musl's"
}

main() {
    local command=("$WORK/writer") model=tlsdesc-static
    if [[ $PLACE == dlopen ]]; then
        command+=("$WORK/libtls_model_tlsdesc.so")
        model=tlsdesc-dynamic
    fi
    if [[ $READER == sample && ${OTELCTX_SKIP_BPF:-} == 1 ]]; then
        echo "tls_model musl $PLACE: skipped (OTELCTX_SKIP_BPF=1)"
        exit 77
    fi
    build
    check_libc
    python3 "$HERE/read_model.py" --reader "$READER" --inspect "$INSPECT" \
        --object "$WORK/libtls_model_tlsdesc.so" --place shared --model "$model" --tls any \
        --symtab-only 0 -- "${command[@]}"
}

main
