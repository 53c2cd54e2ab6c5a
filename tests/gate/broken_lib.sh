#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Proves the ELF gate can fail: builds libotelctx with one deliberate break
# and asserts the gate rejects it with the expected message. The "good" case
# is the same recipe unbroken and must pass, so each failure is the break's.
#
# The broken library's own otelctx_self_check(), run through PROBE, must
# report the same break (or pass, for the breaks it does not cover).
#
# Usage: broken_lib.sh MODE CASE SRC_ROOT WORK_DIR PROBE CC [LLD]
# Environment (cross builds): OTELCTX_CC_FLAGS, extra compiler flags such as
# --target=aarch64-linux-gnu; OTELCTX_EMULATOR, the command that runs PROBE.
#   MODE  default | optimized
#   CASE  good | no-link-dialect | accessor-no-lto | accessor-noinline |
#         slot-not-in-map | initial-exec | extra-export | slot-size
set -euo pipefail

MODE=$1 CASE=$2 ROOT=$3 WORK=$4/$1-$2 PROBE=$5 CC=$6 LLD=${7:-}
MAP=$ROOT/src/otelctx.map

fail() { echo "broken_lib: FAIL: $*" >&2; exit 1; }

# shellcheck disable=SC2206 # word lists from the environment
CC_FLAGS=(${OTELCTX_CC_FLAGS:-})
# shellcheck disable=SC2206
EMULATOR=(${OTELCTX_EMULATOR:-})

tls_flags() {
    case $("$CC" "${CC_FLAGS[@]}" -dumpmachine) in
    x86_64*) echo "-mtls-dialect=gnu2" ;;
    *) echo "" ;;
    esac
}

setup() {
    rm -rf "$WORK"
    mkdir -p "$WORK"
    cp "$ROOT/shim/tls_slot.c" "$ROOT/shim/tls_slot.h" "$WORK/"
    cp "$MAP" "$WORK/otelctx.map"
    TLS=$(tls_flags)
    CFLAGS=("${CC_FLAGS[@]}" -O2 -fPIC -fvisibility=hidden -std=c11 -D_GNU_SOURCE
            -I"$ROOT/include" -I"$WORK")
    LDFLAGS=("${CC_FLAGS[@]}" -shared -pthread -Wl,-z,nodelete)
    SHIM_FLAGS=()
    LINK_TLS=()
    if [[ $MODE == optimized ]]; then
        CFLAGS+=(-flto=thin -ffunction-sections -fdata-sections)
        LDFLAGS+=(-flto=thin -fuse-ld=lld -Wl,--gc-sections)
        if [[ -n $LLD ]]; then LDFLAGS+=(--ld-path="$LLD"); fi
        if [[ -n $TLS ]]; then LINK_TLS=("$TLS"); fi
    fi
}

# Each break edits exactly one thing of the recipe.
apply_break() {
    case $CASE in
    good) ;;
    no-link-dialect) [[ -n $TLS ]] || fail "$CASE needs a target with a legacy TLS dialect"
                     LINK_TLS=() ;;
    accessor-no-lto) SHIM_FLAGS=(-fno-lto) ;;
    accessor-noinline) sed -i 's/^otelctx_record \*\*otelctx_tls_slot(void)$/__attribute__((noinline)) &/' "$WORK/tls_slot.c"
                       grep -q noinline "$WORK/tls_slot.c" || fail "could not add noinline" ;;
    slot-not-in-map) sed -i '/otel_thread_ctx_v1;/d' "$WORK/otelctx.map" ;;
    initial-exec) sed -i 's/tls_model("global-dynamic")/tls_model("initial-exec")/' "$WORK/tls_slot.c"
                  grep -q initial-exec "$WORK/tls_slot.c" || fail "could not force initial-exec" ;;
    slot-size) # two pointers where readers expect one: the symbol covers the whole block
               sed -i 's/\.size otel_thread_ctx_v1, 8\\n/.size otel_thread_ctx_v1, 16\\n/' "$WORK/tls_slot.c"
               grep -q 'size otel_thread_ctx_v1, 16' "$WORK/tls_slot.c" || fail "could not resize the slot" ;;
    extra-export) # a wildcard map over default-visibility code leaks internals
                  sed -i 's/^    otelctx_[a-z_]*;$/    otelctx*;/' "$WORK/otelctx.map"
                  CFLAGS=("${CFLAGS[@]/-fvisibility=hidden/-fvisibility=default}") ;;
    *) fail "unknown case $CASE" ;;
    esac
}

build() {
    local objs=() src
    "$CC" "${CFLAGS[@]}" $TLS "${SHIM_FLAGS[@]}" -c "$WORK/tls_slot.c" -o "$WORK/tls_slot.o"
    for src in "$ROOT"/src/*.c; do
        "$CC" "${CFLAGS[@]}" -c "$src" -o "$WORK/$(basename "$src" .c).o"
        objs+=("$WORK/$(basename "$src" .c).o")
    done
    "$CC" "${LDFLAGS[@]}" "${LINK_TLS[@]}" -Wl,--version-script="$WORK/otelctx.map" \
        -o "$WORK/libotelctx.so" "$WORK/tls_slot.o" "${objs[@]}"
}

expected_message() {
    case $CASE in
    no-link-dialect) echo 'FAIL check 1 ELF rules: .*(through R_X86_64_DTPMOD64, not TLSDESC|imports __tls_get_addr)' ;;
    accessor-no-lto | accessor-noinline) echo 'FAIL check 3 accessor: otelctx_tls_slot present in .symtab' ;;
    slot-not-in-map) echo 'FAIL check 1 ELF rules: .*otel_thread_ctx_v1 is not in .dynsym' ;;
    slot-size) echo 'FAIL check 1 ELF rules: .*otel_thread_ctx_v1 has size 16, not 8' ;;
    initial-exec) echo 'FAIL check 1 ELF rules: .* through R_(X86_64_TPOFF64|AARCH64_TLS_TPREL), not TLSDESC' ;;
    extra-export) echo 'FAIL check 2 exports: symbol otelctx__[a-z_]+ exported but not in .*otelctx.map' ;;
    esac
}

# What otelctx_self_check() says about each break, as an ERE ("" = passes).
expected_self_check() {
    case $CASE in
    no-link-dialect) echo '^self_check -8 .* through R_X86_64_DTPMOD64, not TLSDESC$' ;;
    slot-not-in-map) echo '^self_check -8 .*: otel_thread_ctx_v1 is not in .dynsym' ;;
    slot-size) echo '^self_check -8 .*: otel_thread_ctx_v1 has size 16, not 8' ;;
    # musl's dynamic linker refuses to load it at all, before any self-check.
    initial-exec) echo '^self_check -8 .* through R_(X86_64_TPOFF64|AARCH64_TLS_TPREL), not TLSDESC$|initial-exec TLS resolves to dynamic definition' ;;
    *) echo '^self_check 0 otel_thread_ctx_v1 TLS GLOBAL DEFAULT in .*, [1-9][0-9]* TLSDESC' ;;
    esac
}

check_self_check() {
    local out
    out=$("${EMULATOR[@]}" "$PROBE" "$WORK/libotelctx.so" 2>&1) || true
    echo "$out"
    grep -Eq "$(expected_self_check)" <<<"$out" ||
        fail "otelctx_self_check of the $CASE library: expected $(expected_self_check)"
}

main() {
    setup
    apply_break
    build
    local gate_args=(--map "$MAP") status=0
    [[ $MODE == optimized ]] && gate_args+=(--optimized)
    python3 "$ROOT/scripts/elf_gate.py" "${gate_args[@]}" "$WORK/libotelctx.so" \
        >"$WORK/gate.out" 2>&1 || status=$?
    cat "$WORK/gate.out"
    check_self_check
    if [[ $CASE == good ]]; then
        [[ $status -eq 0 ]] || fail "the unbroken recipe does not pass the gate"
        return 0
    fi
    [[ $status -eq 1 ]] || fail "gate exited $status, expected 1 (rejected)"
    grep -Eq "$(expected_message)" "$WORK/gate.out" ||
        fail "gate rejected $CASE without the expected message: $(expected_message)"
    grep -q "in $WORK/libotelctx.so" "$WORK/gate.out" || fail "failure message does not name the file"
    echo "broken_lib: $MODE/$CASE rejected as expected"
}

main
