# SPDX-License-Identifier: Apache-2.0
# Sourced after scripts/require.sh: finds the clang and lld of the optimized
# build. Honours CC, CXX and LLD; otherwise tries clang, then clang-19 and
# newer versioned names, and installs clang-19 lld-19 llvm-19 when none is
# recent or when the llvm-ar of the chosen clang is missing (clang-19 only
# recommends it, and the bitcode archive cannot be written without it).
# Sets OTELCTX_CC, OTELCTX_CXX, OTELCTX_LLD.

CLANG_MIN=19
LLD_MIN=18.1

# version_at_least HAVE WANT: true when HAVE >= WANT (dotted numbers).
version_at_least() {
    [[ $(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1) == "$2" ]]
}

tool_version() {
    "$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n1
}

# first_good MIN NAME...: the first NAME on PATH whose version is >= MIN.
first_good() {
    local min=$1 name version
    shift
    for name in "$@"; do
        command -v "$name" >/dev/null || continue
        version=$(tool_version "$name")
        if [[ -n $version ]] && version_at_least "$version" "$min"; then
            command -v "$name"
            return 0
        fi
    done
    return 1
}

candidates() {
    local base=$1 v
    echo "$base"
    for v in $(seq "$CLANG_MIN" 30); do echo "$base-$v"; done
}

find_toolchain() {
    local clangs lds
    mapfile -t clangs < <(candidates clang)
    mapfile -t lds < <(candidates ld.lld)
    [[ -n ${CC:-} ]] && clangs=("$CC")
    [[ -n ${LLD:-} ]] && lds=("$LLD")
    OTELCTX_CC=$(first_good "$CLANG_MIN" "${clangs[@]}") || return 1
    OTELCTX_LLD=$(first_good "$LLD_MIN" "${lds[@]}") || return 1
    local cc_name=${OTELCTX_CC##*/}
    OTELCTX_CXX=${CXX:-${OTELCTX_CC%/*}/${cc_name/clang/clang++}}
    OTELCTX_CXX=$(command -v "$OTELCTX_CXX") || return 1
    # CMake looks for llvm-ar with the same version suffix as the compiler.
    command -v "${cc_name/clang/llvm-ar}" >/dev/null || return 1
}

require_toolchain() {
    if ! find_toolchain; then
        [[ -n ${CC:-}${LLD:-} ]] &&
            require_fail "CC='${CC:-}' / LLD='${LLD:-}' is not clang >= $CLANG_MIN with ld.lld >= $LLD_MIN"
        require_packages "the optimized build: clang >= $CLANG_MIN with ThinLTO and TLSDESC, lld, llvm-ar" \
            clang-19 lld-19 llvm-19
        find_toolchain || require_fail "clang >= $CLANG_MIN and ld.lld >= $LLD_MIN still not found"
    fi
    require_log "toolchain: $OTELCTX_CC ($(tool_version "$OTELCTX_CC")), $OTELCTX_LLD ($(tool_version "$OTELCTX_LLD"))"
}
