# SPDX-License-Identifier: Apache-2.0
# Sourced after scripts/require.sh and scripts/toolchain.sh (require_toolchain
# done): picks a Rust toolchain and a linker that can link otelctx's LLVM-19
# bitcode archive with Rust bitcode. The rule: the linker's LLVM must be at
# least every bitcode producer's (the archive's clang, and rustc).
#   - rustc's LLVM <= lld's: clang + that lld (Debian's rustc-web 1.85 has
#     LLVM 19, as clang-19/lld-19);
#   - newer rustc with its own rust-lld (rustup): that rust-lld;
#   - otherwise Debian's rustc-web 1.85, installed as root.
# Honours RUSTC (and CARGO, RUSTDOC). Sets OTELCTX_RUSTC, OTELCTX_CARGO,
# OTELCTX_RUSTDOC, OTELCTX_RUST_LLD (the linker for Rust links) and
# OTELCTX_RUST_HOST.

RUST_WEB_VERSION=1.85.0+dfsg3-1~deb12u3

# llvm_major TOOL: the LLVM major version rustc -vV or ld.lld --version reports.
rust_llvm_major() {
    "$1" -vV 2>/dev/null | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p'
}

lld_llvm_major() {
    "$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+' | head -n1 | cut -d. -f1
}

# rust_try RUSTC: true (and the OTELCTX_RUST* variables set) when RUSTC
# satisfies the LLVM rule with lld or with its own rust-lld.
rust_try() {
    local rustc=$1 major lld_major sysroot host wrapper
    major=$(rust_llvm_major "$rustc")
    [[ -n $major ]] || return 1
    lld_major=$(lld_llvm_major "$OTELCTX_LLD")
    host=$("$rustc" -vV | sed -n 's/^host: //p')
    if [[ $major -le $lld_major ]]; then
        OTELCTX_RUST_LLD=$OTELCTX_LLD
    else
        sysroot=$("$rustc" --print sysroot)
        wrapper=$sysroot/lib/rustlib/$host/bin/gcc-ld/ld.lld
        [[ -x $wrapper ]] || return 1
        OTELCTX_RUST_LLD=$wrapper
    fi
    OTELCTX_RUSTC=$rustc
    OTELCTX_RUST_HOST=$host
    local dir
    dir=$(dirname "$rustc")
    OTELCTX_CARGO=${CARGO:-$dir/cargo}
    OTELCTX_RUSTDOC=${RUSTDOC:-$dir/rustdoc}
    [[ -x $OTELCTX_CARGO ]] || OTELCTX_CARGO=$(command -v cargo) || return 1
    [[ -x $OTELCTX_RUSTDOC ]] || OTELCTX_RUSTDOC=$(command -v rustdoc) || return 1
}

# require_debian_rust: Debian's rustc-web 1.85 (LLVM 19), by exact version:
# bookworm-security's newer candidate links an LLVM lld-19 cannot read.
require_debian_rust() {
    local v=$RUST_WEB_VERSION
    [[ $(dpkg-query -W -f='${Version}' rustc-web 2>/dev/null) == "$v" &&
       $(dpkg-query -W -f='${Version}' cargo-web 2>/dev/null) == "$v" ]] ||
        require_packages "Rust with LLVM 19, as clang-19 and lld-19" \
            "rustc-web=$v" "cargo-web=$v" "libstd-rust-web-dev=$v" "libstd-rust-web-1.85=$v"
}

require_rust() {
    if [[ -n ${RUSTC:-} ]]; then
        rust_try "$(command -v "$RUSTC" || echo "$RUSTC")" ||
            require_fail "RUSTC=$RUSTC: its LLVM is newer than $OTELCTX_LLD's and it has no rust-lld; unset RUSTC"
    elif ! { command -v rustc >/dev/null && rust_try "$(command -v rustc)"; }; then
        require_debian_rust
        rust_try /usr/bin/rustc || require_fail "/usr/bin/rustc unusable after installing rustc-web"
    fi
    require_log "rust: $OTELCTX_RUSTC (LLVM $(rust_llvm_major "$OTELCTX_RUSTC")), linker $OTELCTX_RUST_LLD"
}

# Debian's cargo registry: the packaged crates, each with its checksums.
DEBIAN_CARGO_REGISTRY=/usr/share/cargo/registry

# require_debian_crates: the crates feature tracing needs, from Debian.
require_debian_crates() {
    require "feature tracing's tests and docs example, built offline: Debian's packaged tracing crates" \
        /usr/share/doc/librust-tracing-dev:librust-tracing-dev \
        /usr/share/doc/librust-tracing-subscriber-dev:librust-tracing-subscriber-dev
}

# use_debian_crates DIR: every cargo run from this shell on resolves
# crates.io's crates (even the optional ones of an unused feature: cargo
# resolves them all) from Debian's registry, offline: CARGO_HOME=DIR, whose
# config.toml replaces crates.io with that directory. The manifests stay
# crates.io's.
use_debian_crates() {
    mkdir -p "$1"
    cat >"$1/config.toml" <<TOML
[source.crates-io]
replace-with = "debian-packages"

[source.debian-packages]
directory = "$DEBIAN_CARGO_REGISTRY"
TOML
    export CARGO_HOME=$1
}
