#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What a Rust user does: a new crate outside the repository depends on
# otelctx by path with feature lto and builds with rust/cargo-lto, using the
# toolchain cargo-lto picks. Its hot loop must have no call to otelctx_*, its
# .dynsym the slot, and cargo-lto must fail once opt-level 0 sneaks in.
# Usage: external_consumer.sh WORK_DIR
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$1/external-consumer

fail() { echo "external_consumer: FAIL: $*" >&2; exit 1; }

make_crate() {
    rm -rf "$WORK"
    mkdir -p "$WORK/src"
    cat >"$WORK/Cargo.toml" <<TOML
[package]
name = "hot-consumer"
version = "0.1.0"
edition = "2021"

[dependencies]
otelctx = { path = "$ROOT/rust", features = ["lto"] }
TOML
    cat >"$WORK/src/main.rs" <<'RS'
use otelctx::{sys, Record, SpanContext};

/// The hot loop: one swap of the published record per iteration.
#[no_mangle]
#[inline(never)]
pub extern "C" fn hot_swap_loop(a: *mut sys::otelctx_record, b: *mut sys::otelctx_record, n: u64) {
    for i in 0..n {
        let next = if i & 1 == 0 { a } else { b };
        // SAFETY: a and b outlive the loop and are detached after it.
        unsafe { sys::otelctx_attach(next) };
    }
}

fn main() {
    let span = SpanContext { trace_id: [1; 16], span_id: [2; 8], trace_flags: 1 };
    let a = Record::with(&span, &[]).expect("record");
    let b = Record::with(&span, &[]).expect("record");
    hot_swap_loop(a.as_ptr(), b.as_ptr(), std::hint::black_box(1_000_000));
    // SAFETY: detaches before the records are dropped.
    unsafe { sys::otelctx_detach() };
    otelctx::self_check().expect("self check");
    println!("hot-consumer: ok");
}
RS
}

main() {
    make_crate
    cd "$WORK"
    OTELCTX_GATE_FUNCTIONS=hot_swap_loop "$ROOT/rust/cargo-lto" build --release >build.log 2>&1 ||
        { cat build.log; fail "cargo-lto build --release failed"; }
    grep -q 'consumer-gate: PASS' build.log || { cat build.log; fail "the gate did not run"; }
    local exe=target/release/hot-consumer
    "$exe" | grep -q 'hot-consumer: ok' || fail "$exe did not run"
    local loop
    loop=$(objdump -d --no-show-raw-insn "$exe" | sed -n '/<hot_swap_loop>:/,/^$/p')
    [[ -n $loop ]] || fail "hot_swap_loop not found"
    if grep -E '(call|jmp).*<otelctx_' <<<"$loop"; then fail "hot_swap_loop calls otelctx"; fi
    grep -qE 'mov +%[a-z0-9]+,%fs:' <<<"$loop" || fail "hot_swap_loop has no inline slot store"
    readelf --dyn-syms -W "$exe" | grep -qE 'TLS +GLOBAL +DEFAULT +[0-9]+ +otel_thread_ctx_v1' ||
        fail "the slot is not a TLS GLOBAL DEFAULT symbol of .dynsym"
    echo "external_consumer: hot_swap_loop:"
    sed 's/^/    /' <<<"$loop"
    # A user sets opt-level 0 for release: the build still succeeds, the gate must not.
    printf '\n[profile.release]\nopt-level = 0\n' >>Cargo.toml
    if "$ROOT/rust/cargo-lto" build --release >broken.log 2>&1; then
        cat broken.log
        fail "cargo-lto accepted opt-level 0"
    fi
    grep -q 'cause: opt-level 0' broken.log || { cat broken.log; fail "rejected without naming opt-level 0"; }
    echo "external_consumer: ok (cargo-lto rejects opt-level 0: $(grep -m1 'FAIL 2' broken.log | cut -c1-90)...)"
}

main
