# SPDX-License-Identifier: Apache-2.0
# Sourced by test.sh and build-optimized.sh: installs missing Debian packages.
#
#   require_commands cmake:cmake valgrind:valgrind ...
# Each argument is COMMAND:PACKAGE. Commands already on PATH are left alone;
# missing ones are installed with apt-get when running as root, otherwise the
# exact command is printed and the script fails.

require_log() { echo "==> $*" >&2; }

require_fail() {
    echo "error: $*" >&2
    exit 1
}

require_packages() {
    local packages=("$@")
    [[ ${#packages[@]} -eq 0 ]] && return 0
    local cmd="apt-get install -y --no-install-recommends ${packages[*]}"
    if [[ $(id -u) -ne 0 ]]; then
        require_fail "missing packages; run as root: apt-get update && $cmd"
    fi
    command -v apt-get >/dev/null ||
        require_fail "apt-get not found; install these packages by hand: ${packages[*]}"
    require_log "installing: ${packages[*]}"
    if [[ -z ${REQUIRE_APT_UPDATED:-} ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 ||
            require_fail "apt-get update failed"
        REQUIRE_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive $cmd -qq >&2 || require_fail "$cmd failed"
}

require_commands() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    done
    require_packages "${missing[@]}"
}

# require_files PATH:PACKAGE ...: like require_commands, for files (headers,
# libraries) that no command reveals.
require_files() {
    local missing=() pair
    for pair in "$@"; do
        [[ -e ${pair%%:*} ]] || missing+=("${pair#*:}")
    done
    require_packages "${missing[@]}"
}
