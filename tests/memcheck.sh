#!/usr/bin/env bash
# Runs a test program under valgrind memcheck; any leak or error fails it.
set -euo pipefail

main() {
    if ! command -v valgrind >/dev/null; then
        echo "memcheck: FAIL: valgrind not found (apt-get install valgrind)" >&2
        exit 1
    fi
    valgrind --quiet --error-exitcode=99 --leak-check=full \
        --suppressions="$(dirname "$0")/valgrind.supp" \
        --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible "$@"
}

main "$@"
