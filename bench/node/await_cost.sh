#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds swap_addon.node against BUILD_ROOT/default's libotelctx.so and
# Node's N-API headers, then runs await_cost.js pinned to the last CPU:
# ns per await with no hook, with AsyncLocalStorage + async_hooks
# before/after, and with those hooks swapping a record through the addon.
#
# Usage: bench/node/await_cost.sh BUILD_ROOT   (needs node and its headers)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

fail() {
    echo "await_cost: $*" >&2
    exit 1
}

# The directory of node_api.h: beside the node that runs the benchmark.
node_headers() {
    local dir
    dir=$(dirname "$(readlink -f "$(command -v node)")")/../include/node
    [[ -f $dir/node_api.h ]] || fail "node_api.h not found in $dir (Node's headers)"
    echo "$dir"
}

main() {
    [[ $# -eq 1 ]] || fail "usage: bench/node/await_cost.sh BUILD_ROOT"
    command -v node >/dev/null || fail "node not found"
    local lib addon
    lib=$(realpath -m "$1")/default
    [[ -e $lib/libotelctx.so ]] || fail "$lib/libotelctx.so missing (a default build)"
    addon=$lib/bench/swap_addon.node
    mkdir -p "$(dirname "$addon")"
    # N-API symbols come from the node executable at load time.
    gcc -O2 -shared -fPIC -Wall -Wextra -Werror -I"$(node_headers)" -I"$ROOT/include" \
        "$HERE/swap_addon.c" -L"$lib" -lotelctx -Wl,-rpath,"$lib" -o "$addon"
    taskset -c "$(($(nproc) - 1))" node "$HERE/await_cost.js" "$addon"
}

main "$@"
