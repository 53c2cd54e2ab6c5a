#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Reads the tracing example (rust/examples/tracing_spans.rs) from outside
while its two threads are inside nested spans: otelctx-inspect --strict
--json must show, for each thread, the record of its innermost span by the
layer's rules (its own ids, or its parent's trace id, inherited and
overridden attributes), key names from the process context. The expected
records are the example's span fields, written out here.

Usage: tracing_reader.py --inspect TOOL -- EXAMPLE"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from writer_process import ended, started  # noqa: E402

# By the role each thread prints: what its innermost span publishes.
EXPECTED = {
    # request{trace_id, span_id, trace_flags=1, http.route} > db.query{span_id}
    "child-with-own-span-id": {"trace_id": "0af7651916cd43dd8448eb211c80319c",
                               "span_id": "00f067aa0ba902b7", "trace_flags": 1,
                               "attributes": {"http.route": "/checkout"}},
    # job{trace_id=%, span_id=%, http.route} > job.step{http.route}
    "child-without-ids": {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                          "span_id": "53995c3f42cd8ad8", "trace_flags": 0,
                          "attributes": {"http.route": "/jobs/step"}},
}


def fail(message):
    print(f"tracing_reader: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def roles_until_ready(proc):
    """{tid: role} from the "thread TID ROLE" lines before "ready"."""
    roles = {}
    for line in proc.stdout:
        words = line.split()
        if words == ["ready"]:
            return roles
        if words[:1] == ["thread"] and len(words) == 3:
            roles[int(words[1])] = words[2]
    fail(f"the example ended before it was ready (status {proc.wait()})")


def read(inspect, pid):
    done = subprocess.run([inspect, "--strict", "--json", str(pid)], capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        fail(f"otelctx-inspect --strict exited {done.returncode}: {done.stderr.strip()}")
    objects = json.loads(done.stdout)["objects"]
    if len(objects) != 1:
        fail(f"{len(objects)} objects define the slot, expected the example's libotelctx.so alone")
    return {t["tid"]: t for t in objects[0]["threads"]}


def published(thread):
    return {"trace_id": thread["trace_id"], "span_id": thread["span_id"],
            "trace_flags": thread["trace_flags"],
            "attributes": {a["key"]: bytes.fromhex(a["value_hex"]).decode()
                           for a in thread["attributes"]}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--inspect", required=True)
    parser.add_argument("example", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    example = args.example[1:] if args.example[:1] == ["--"] else args.example
    with started(example) as proc:
        roles = roles_until_ready(proc)
        if sorted(roles.values()) != sorted(EXPECTED):
            fail(f"the example's threads are {roles}, expected one of each of {sorted(EXPECTED)}")
        threads = read(args.inspect, proc.pid)
        for tid, role in roles.items():
            thread = threads.get(tid)
            if thread is None or thread["state"] != "valid":
                fail(f"thread {tid} ({role}): {thread}, expected {EXPECTED[role]}")
            if published(thread) != EXPECTED[role]:
                fail(f"thread {tid} ({role}): read {published(thread)}\n    expected {EXPECTED[role]}")
            print(f"tracing_reader: thread {tid} ({role}): {published(thread)}")
        status = ended(proc)
        if status != 0:
            fail(f"the example exited with status {status}")
        rest = proc.stdout.read()
        if "tracing_spans: ok" not in rest:
            fail(f"the example did not report ok after its spans exited: {rest!r}")
    print("tracing_reader: ok")


if __name__ == "__main__":
    main()
