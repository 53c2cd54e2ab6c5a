#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Renders each man page with man -l and fails on any warning groff gives.
# Usage: man_pages.sh PAGE...
set -euo pipefail

fail() { echo "man_pages: FAIL: $*" >&2; exit 1; }

main() {
    command -v man >/dev/null || fail "man not found (apt-get install man-db)"
    local page warnings
    for page in "$@"; do
        warnings=$(MANWIDTH=80 man --warnings=w -l "$page" 2>&1 >/dev/null) ||
            fail "man -l $page failed: $warnings"
        [[ -z $warnings ]] || fail "$page: $warnings"
        echo "man_pages: $(basename "$page"): rendered, no warning"
    done
}

main "$@"
