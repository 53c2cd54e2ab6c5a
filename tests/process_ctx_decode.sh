#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Decodes a payload written by a test program with protoc (a real protobuf
# decoder, independent of our encoder) and compares it with the expected text.
# Usage: process_ctx_decode.sh PROGRAM WORK_DIR [EXPECTED_TEXT]
# Without EXPECTED_TEXT, compares the published key map with the key names
# PROGRAM wrote, in index order, to WORK_DIR/expected_keys.txt.
set -euo pipefail

PROGRAM=$1 WORK=$2 EXPECTED=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)

fail() { echo "process_ctx_decode: FAIL: $*" >&2; exit 1; }

main() {
    command -v protoc >/dev/null || fail "protoc not found (apt-get install protobuf-compiler)"
    mkdir -p "$WORK"
    "$PROGRAM" "$WORK/payload.bin" "$WORK/expected_keys.txt"
    protoc --decode=otelctx.test.ProcessContext -I "$HERE" "$HERE/process_context.proto" \
        <"$WORK/payload.bin" >"$WORK/decoded.txt" || fail "protoc could not decode the payload"
    if [[ -n $EXPECTED ]]; then
        diff -u "$EXPECTED" "$WORK/decoded.txt" || fail "decoded payload differs"
    else
        # The key map, in order: the array's string values after attribute_key_map.
        sed -n '/threadlocal.attribute_key_map/,$p' "$WORK/decoded.txt" |
            sed -n 's/^ *string_value: "\(.*\)"$/\1/p' >"$WORK/decoded_keys.txt"
        diff -u "$WORK/expected_keys.txt" "$WORK/decoded_keys.txt" ||
            fail "published key map is not the registered keys in index order"
    fi
    head -n 40 "$WORK/decoded.txt"
    echo "process_ctx_decode: payload decoded as expected"
}

main
