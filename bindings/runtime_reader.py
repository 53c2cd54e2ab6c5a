#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Reads a runtime binding's test writer (bindings/*/runtime_writer.*) at
each of its checkpoints with otelctx-inspect --strict --json, and compares
every thread's record with what the writer says it published.

The writer prints, per checkpoint, one line per thread it published on:
  expect {"tid": TID, "trace_id": HEX, "span_id": HEX, "trace_flags": N,
          "attributes": {KEY NAME: VALUE}}
then "ready", and blocks (keeping the records attached: on the thread of
its tasks or fibers, inside the one whose record must be up) until it reads
a line. Records are decoded here from the inspector's raw fields (ids as
hex, values as hex bytes, key indexes named through the process context's
key map), not taken from the binding.

Usage: runtime_reader.py --name TEST --inspect TOOL --checkpoints N [--env K=V]... -- WRITER ARGS..."""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from writer_process import ended, started  # noqa: E402

NAME = "runtime"


def fail(message):
    print(f"{NAME}: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def read(inspect, pid):
    done = subprocess.run([inspect, "--strict", "--json", str(pid)], capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        fail(f"otelctx-inspect --strict exited {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout)


def decoded(thread, names):
    """The thread's record as the writer states it: ids and flags, and each
    attribute's key name (from the process context) with its UTF-8 value."""
    attrs = {}
    for a in thread["attributes"]:
        key = names[a["index"]] if a["index"] < len(names) else f"#{a['index']}"
        attrs[key] = bytes.fromhex(a["value_hex"]).decode()
    return {"trace_id": thread["trace_id"], "span_id": thread["span_id"],
            "trace_flags": thread["trace_flags"], "attributes": attrs}


def check(reading, expected, checkpoint):
    names = reading["process_context"]["attribute_key_map"]
    if not reading["objects"]:
        fail("otelctx-inspect found no object defining the slot")
    for obj in reading["objects"]:
        threads = {t["tid"]: t for t in obj["threads"]}
        for tid, want in expected.items():
            t = threads.get(tid)
            if t is None or t["state"] != "valid":
                fail(f"checkpoint {checkpoint}: thread {tid}: {t and t['state']}, published {want}")
            got = decoded(t, names)
            if got != want:
                fail(f"checkpoint {checkpoint}: thread {tid}: read {got}\n    published {want}")


def run(inspect, writer, env, checkpoints):
    seen = 0
    with started(writer, env=env) as proc:
        expected = {}
        for line in proc.stdout:
            if line.startswith("expect "):
                record = json.loads(line[len("expect "):])
                expected[record.pop("tid")] = record
            elif line.strip() == "ready":
                if not expected:
                    fail(f"checkpoint {seen + 1}: the writer stated no record")
                check(read(inspect, proc.pid), expected, seen + 1)
                seen += 1
                print(f"  checkpoint {seen}: {len(expected)} threads as published")
                expected = {}
                proc.stdin.write("go\n")
                proc.stdin.flush()
        status = ended(proc)
    if status != 0:
        fail(f"the writer exited with status {status}")
    if seen != checkpoints:
        fail(f"{seen} checkpoints read, {checkpoints} expected")


def main():
    global NAME
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--inspect", required=True)
    parser.add_argument("--checkpoints", type=int, required=True)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("writer", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    writer = args.writer[1:] if args.writer[:1] == ["--"] else args.writer
    NAME = args.name
    env = dict(os.environ)
    env.update(kv.split("=", 1) for kv in args.env)
    run(args.inspect, writer, env, args.checkpoints)
    print(f"{NAME}: {args.checkpoints} checkpoints, every thread's record as published")


if __name__ == "__main__":
    main()
