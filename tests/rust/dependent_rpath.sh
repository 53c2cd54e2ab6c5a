#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# How a dependent's binary finds libotelctx.so (docs/rust.md): a new crate
# depending on otelctx (no lto) builds a binary that, run as built, fails
# to load the library; with the build.rs docs/rust.md shows (taken from
# there, so the documented one is the tested one) it runs, through an rpath.
# Usage: dependent_rpath.sh WORK_DIR LIB_DIR    (cargo: OTELCTX_CARGO or cargo)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$1/dependent-rpath
LIB_DIR=$(realpath "$2")
CARGO=${OTELCTX_CARGO:-cargo}
EXE=$WORK/target/debug/dependent

fail() { echo "dependent_rpath: FAIL: $*" >&2; exit 1; }

make_crate() {
    rm -rf "$WORK"
    mkdir -p "$WORK/src"
    cat >"$WORK/Cargo.toml" <<TOML
[package]
name = "dependent"
version = "0.1.0"
edition = "2021"

[dependencies]
otelctx = { path = "$ROOT/rust" }
TOML
    cat >"$WORK/src/main.rs" <<'RS'
fn main() {
    otelctx::Record::new().expect("a record");
    println!("dependent: ok");
}
RS
}

# The build.rs block of docs/rust.md: the rust block whose first line names it.
documented_build_rs() {
    python3 - "$ROOT/docs/rust.md" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for indent, body in re.findall(r"^( *)```rust\n(.*?)^\1```$", text, re.S | re.M):
    lines = [line[len(indent):] for line in body.splitlines()]
    if lines and lines[0].startswith("// build.rs of your package"):
        print("\n".join(lines))
        sys.exit(0)
sys.exit("docs/rust.md has no build.rs block")
PY
}

build() {
    (cd "$WORK" && OTELCTX_DIR=$LIB_DIR CARGO_TARGET_DIR=$WORK/target "$CARGO" build --offline -q) >"$WORK/build.log" 2>&1 ||
        { cat "$WORK/build.log" >&2; fail "cargo build failed"; }
}

main() {
    make_crate
    build
    local out status=0
    out=$(env -u LD_LIBRARY_PATH "$EXE" 2>&1) || status=$?
    [[ $status -ne 0 ]] || fail "$EXE ran without an rpath: the test cannot tell the build.rs works"
    grep -q 'libotelctx.so.*cannot open shared object file' <<<"$out" || fail "without an rpath: $out"
    echo "dependent_rpath: without a build.rs: $(grep -o 'libotelctx.so[^:]*: cannot open shared object file' <<<"$out")"
    documented_build_rs >"$WORK/build.rs"
    build
    out=$(env -u LD_LIBRARY_PATH "$EXE" 2>&1) || fail "with the documented build.rs: $out"
    [[ $out == "dependent: ok" ]] || fail "with the documented build.rs: $out"
    readelf -d "$EXE" | grep -qE "(RUNPATH|RPATH).*\[$LIB_DIR\]" || fail "$EXE has no rpath to $LIB_DIR"
    echo "dependent_rpath: with the documented build.rs: runs, rpath $LIB_DIR"
}

main
