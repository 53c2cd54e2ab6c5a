# SPDX-License-Identifier: Apache-2.0
# Sourced by test.sh and build-optimized.sh: installs missing Debian packages.
#
#   require "WHY" cmake:cmake /usr/include/benchmark/benchmark.h:libbenchmark-dev ...
#   require_packages "WHY" PACKAGE...
# Each COMMAND:PACKAGE (or /PATH:PACKAGE) already present is left alone; the
# missing packages of one call are installed together with apt-get when
# running as root, announced in one line that says what and WHY. apt and
# dpkg write to a log file that is shown only when the install fails. Not
# root: the exact command is printed and the script fails.

require_log() { echo "==> $*" >&2; }

require_fail() {
    echo "error: $*" >&2
    exit 1
}

# require_apt LOG ARGS...: one apt-get run, its output appended to LOG; on
# failure LOG is shown and the script stops. Runs of this project's scripts
# take turns (flock, up to 30 minutes): apt-get does not wait for the lock
# of another apt-get ("Could not get lock /var/lib/apt/lists/lock"), and two
# ./test.sh started at once on a fresh machine both install.
require_apt() {
    local log=$1
    shift
    if ! flock -w 1800 /run/lock/otelctx-apt.lock \
        env DEBIAN_FRONTEND=noninteractive apt-get "$@" >>"$log" 2>&1; then
        cat "$log" >&2
        require_fail "apt-get $* failed (full log above and in $log)"
    fi
}

require_packages() {
    local why=$1
    shift
    local packages=("$@")
    [[ ${#packages[@]} -eq 0 ]] && return 0
    local cmd="apt-get install -y --no-install-recommends ${packages[*]}"
    if [[ $(id -u) -ne 0 ]]; then
        require_fail "missing packages ($why); run as root: apt-get update && $cmd"
    fi
    command -v apt-get >/dev/null ||
        require_fail "apt-get not found; install these packages by hand ($why): ${packages[*]}"
    require_log "installing ${packages[*]} ($why)"
    local log
    log=$(mktemp "${TMPDIR:-/tmp}/otelctx-apt.XXXXXX.log")
    if [[ -z ${REQUIRE_APT_UPDATED:-} ]]; then
        require_apt "$log" update -q
        REQUIRE_APT_UPDATED=1
    fi
    require_apt "$log" install -y -q --no-install-recommends "${packages[@]}"
    rm -f "$log"
}

# require WHY ITEM...: ITEM is COMMAND:PACKAGE (a command on PATH) or
# /PATH:PACKAGE (a header or library that no command reveals). A package
# that several missing items name is installed (and named) once.
require() {
    local why=$1 missing=() item have package
    shift
    for item in "$@"; do
        have=${item%%:*} package=${item#*:}
        if [[ $have == /* ]]; then
            [[ -e $have ]] && continue
        else
            command -v "$have" >/dev/null && continue
        fi
        [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
    done
    require_packages "$why" "${missing[@]}"
}
