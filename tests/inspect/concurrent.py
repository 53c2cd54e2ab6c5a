#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""otelctx-inspect reads busy_publisher while its threads keep publishing:
every record it prints as valid must be one whole generation
(tests/generation.h: trace id bytes and flags g, value bytes g mod 128,
attribute count 1 + g % 4, lengths (7g + 13i) % 48, keys named key.g
through the published key map; a span id of eight equal bytes; perhaps one
pushed entry); a torn record fails the test. The
process context it decodes must be what busy_publisher published.

Usage: concurrent.py INSPECT PUBLISHER [READINGS]
"""
import json
import subprocess
import sys


PUBLISHED = {
    "schema_version": "tlsdesc_v1_dev",
    "resource": {"service.name": "busy-publisher"},
    "attribute_key_map": [f"key.{k}" for k in range(256)],
}


def fail(message):
    print(f"inspect concurrent: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


PUSHED_KEY, PUSHED = 0xEE, b"pushed!"


def whole_generation(t, key_map):
    """tests/generation.h's rules: trace id and flags g, span id eight equal
    non-zero bytes (g's, or a later otelctx_update_span's), the attributes of
    g, and perhaps one pushed entry after them."""
    g = bytes.fromhex(t["trace_id"])[0]
    span = bytes.fromhex(t["span_id"])
    if bytes.fromhex(t["trace_id"]) != bytes([g]) * 16 or span != span[:1] * 8:
        return False
    attrs = t["attributes"]
    if attrs and attrs[-1]["index"] == PUSHED_KEY and len(attrs) == 2 + g % 4:
        if bytes.fromhex(attrs[-1]["value_hex"]) != PUSHED:
            return False
        attrs = attrs[:-1]
    if t["trace_flags"] != g or len(attrs) != 1 + g % 4 or (span[0] == 0) != (g == 0):
        return False
    for i, a in enumerate(attrs):
        value = bytes.fromhex(a["value_hex"])
        if a["index"] != g or a["key"] != key_map[g] or value != bytes([g % 128]) * ((7 * g + 13 * i) % 48):
            return False
    return t["attrs_data_size"] == sum(2 + len(bytes.fromhex(a["value_hex"])) for a in t["attributes"])


def main():
    inspect, publisher = sys.argv[1:3]
    readings = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    proc = subprocess.Popen([publisher], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        if proc.stdout.readline().strip() != "ready":
            fail("publisher did not start")
        done = subprocess.run([inspect, "--strict", "--json", "--watch", "0.005", "--count", str(readings),
                               str(proc.pid)], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            fail(f"otelctx-inspect exited {done.returncode}: {done.stderr.strip()}")
        counts = {"valid": 0, "invalid": 0, "null": 0}
        lines = done.stdout.splitlines()
        if len(lines) != readings:
            fail(f"{len(lines)} readings, expected {readings}")
        for line in lines:
            snapshot = json.loads(line)
            ctx = snapshot["process_context"]
            if ctx != PUBLISHED | {"published_at_ns": ctx and ctx.get("published_at_ns")}:
                fail(f"process context decoded as {ctx}")
            key_map = ctx["attribute_key_map"]
            for obj in snapshot["objects"]:
                for t in obj["threads"]:
                    if t["state"] == "unreadable":
                        fail(f"thread {t['tid']}: record unreadable")
                    counts[t["state"]] += 1
                    if t["state"] == "valid" and not whole_generation(t, key_map):
                        fail(f"torn record: {json.dumps(t)}")
        if counts["valid"] == 0:
            fail(f"no valid record in {readings} readings: {counts}")
        print(f"inspect concurrent: {readings} readings, records {counts}, none torn")
    finally:
        proc.stdin.close()
        if proc.wait(timeout=30) != 0:
            fail(f"publisher exited {proc.returncode}")


if __name__ == "__main__":
    main()
