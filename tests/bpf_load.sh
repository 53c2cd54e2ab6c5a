#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The kernel's verifier accepts otelctx-inspect's BPF sampler as a
# perf_event program: loaded (pinned in a private bpffs directory), then
# removed. Fails with one line when BPF is not permitted here;
# OTELCTX_SKIP_BPF=1 skips it explicitly (exit 77).
#
# Usage: bpf_load.sh BPFTOOL SAMPLE.BPF.O
set -euo pipefail

BPFTOOL=$1
OBJECT=$2
PINS=""

# Unmounting the private bpffs drops the pin and so the program.
cleanup() {
    [[ -n $PINS ]] || return 0
    umount "$PINS" 2>/dev/null || true
    rm -rf "$PINS" "$PINS.log"
}

fail() {
    echo "bpf_load: $*" >&2
    exit 1
}

main() {
    if [[ ${OTELCTX_SKIP_BPF:-} == 1 ]]; then
        echo "bpf_load: skipped (OTELCTX_SKIP_BPF=1)"
        exit 77
    fi
    [[ -x $BPFTOOL ]] || fail "bpftool not found at $BPFTOOL (apt-get install bpftool)"
    [[ -f $OBJECT ]] || fail "no BPF object at $OBJECT"
    [[ $(id -u) -eq 0 ]] || fail "loading BPF programs needs root (CAP_BPF and CAP_PERFMON)"
    trap cleanup EXIT
    PINS=$(mktemp -d "${TMPDIR:-/tmp}/otelctx-bpf.XXXXXX")
    local pins=$PINS log=$PINS.log
    mount -t bpf bpf "$pins" || fail "cannot mount a bpffs at $pins: BPF not permitted here"
    if ! "$BPFTOOL" prog load "$OBJECT" "$pins/sample" type perf_event >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        fail "the kernel refused the sampler (verifier log above)"
    fi
    [[ -e $pins/sample ]] || fail "bpftool loaded nothing"
    echo "bpf_load: the kernel accepted $OBJECT"
}

main "$@"
