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

With --naive the writer runs a binding without its switch hook, and the
test shows the trap instead: some checkpoint must read, on some thread, a
record other than the one the writer says is up, and every such record must
be one the writer published elsewhere (the last writer's), never garbage.

Usage: runtime_reader.py --name TEST --inspect TOOL --checkpoints N [--naive]
                         [--env K=V]... -- WRITER ARGS..."""
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


def mismatches(reading, expected, checkpoint):
    """(what was read, what was published) for every thread whose record is
    not the published one; a thread without a valid record fails."""
    names = reading["process_context"]["attribute_key_map"]
    if not reading["objects"]:
        fail("otelctx-inspect found no object defining the slot")
    wrong = []
    for obj in reading["objects"]:
        threads = {t["tid"]: t for t in obj["threads"]}
        for tid, want in expected.items():
            t = threads.get(tid)
            if t is None or t["state"] != "valid":
                fail(f"checkpoint {checkpoint}: thread {tid}: {t and t['state']}, published {want}")
            got = decoded(t, names)
            if got != want:
                wrong.append((f"checkpoint {checkpoint}: thread {tid}", got, want))
    return wrong


def run(inspect, writer, env, checkpoints, naive):
    seen, wrong, published = 0, [], []
    with started(writer, env=env) as proc:
        expected = {}
        for line in proc.stdout:
            if line.startswith("expect "):
                record = json.loads(line[len("expect "):])
                expected[record.pop("tid")] = record
                published.append(record)
            elif line.strip() == "ready":
                if not expected:
                    fail(f"checkpoint {seen + 1}: the writer stated no record")
                found = mismatches(read(inspect, proc.pid), expected, seen + 1)
                if found and not naive:
                    where, got, want = found[0]
                    fail(f"{where}: read {got}\n    published {want}")
                wrong += found
                seen += 1
                print(f"  checkpoint {seen}: {len(expected) - len(found)} of {len(expected)} "
                      f"threads as published")
                expected = {}
                proc.stdin.write("go\n")
                proc.stdin.flush()
        status = ended(proc)
    if status != 0:
        fail(f"the writer exited with status {status}")
    if seen != checkpoints:
        fail(f"{seen} checkpoints read, {checkpoints} expected")
    if naive:
        if not wrong:
            fail("without its hook the binding still published the running record at every "
                 "checkpoint: the trap did not show")
        for where, got, _ in wrong:
            if got not in published:
                fail(f"{where}: read {got}, which the writer never published")
        print(f"  without the hook: {len(wrong)} stale reads, each another record the writer published")


def main():
    global NAME
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--inspect", required=True)
    parser.add_argument("--checkpoints", type=int, required=True)
    parser.add_argument("--naive", action="store_true")
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("writer", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    writer = args.writer[1:] if args.writer[:1] == ["--"] else args.writer
    NAME = args.name
    env = dict(os.environ)
    env.update(kv.split("=", 1) for kv in args.env)
    run(args.inspect, writer, env, args.checkpoints, args.naive)
    if args.naive:
        print(f"{NAME}: without the switch hook, readers see the last writer's record")
    else:
        print(f"{NAME}: {args.checkpoints} checkpoints, every thread's record as published")


if __name__ == "__main__":
    main()
