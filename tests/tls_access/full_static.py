#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A fully static publisher (-static: no .dynsym, otel_thread_ctx_v1 only
in .symtab) is read by otelctx-inspect, as the reference reader reads it
(falling back to .symtab): every thread's record equals what this test
chose and published; and --strict breaks exactly one rule, slot-exported,
naming the executable (OTEP 4947 wants the slot in .dynsym).

Usage: full_static.py INSPECT PUBLISHER
"""
import json
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from scenario_reader import THREADS, as_line, choose_contexts, expected_record  # noqa: E402
import writer_process  # noqa: E402


def fail(message):
    print(f"tls_access full_static: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def records_of(reading):
    """{tid: header + attrs_data} of every thread with a valid record."""
    records = {}
    for obj in reading["objects"]:
        for t in obj["threads"]:
            if t["state"] == "null":
                continue
            if t["state"] != "valid":
                fail(f"thread {t['tid']}: {t['state']}")
            data = b"".join(bytes([a["index"], len(a["value_hex"]) // 2]) + bytes.fromhex(a["value_hex"])
                            for a in t["attributes"])
            records[t["tid"]] = (bytes.fromhex(t["trace_id"]) + bytes.fromhex(t["span_id"])
                                 + bytes([1, t["trace_flags"]])
                                 + t["attrs_data_size"].to_bytes(2, "little") + data)
    return records


def main():
    inspect, publisher = sys.argv[1:3]
    seed = int(os.environ.get("OTELCTX_SEED", time.time_ns()))
    print(f"tls_access full_static: seed {seed}", flush=True)
    contexts = choose_contexts(random.Random(seed))
    with writer_process.started([publisher]) as proc:
        proc.stdin.write("".join(as_line(c) for c in contexts) + "\n")
        proc.stdin.flush()
        tids = writer_process.thread_ids_until_ready(proc.stdout)
        if tids is None:
            fail(f"publisher exited with {proc.wait()} before it was ready")
        if len(tids) != THREADS:
            fail(f"{len(tids)} threads published, expected {THREADS}")

        done = subprocess.run([inspect, "--json", str(proc.pid)], capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            fail(f"otelctx-inspect exited {done.returncode}: {done.stderr.strip()}")
        records = records_of(json.loads(done.stdout))
        if sorted(records) != sorted(tids):
            fail(f"records on threads {sorted(records)}, published on {sorted(tids)}")
        for tid, c in zip(tids, contexts):
            if records[tid] != expected_record(c):
                fail(f"thread {tid}: read {records[tid].hex()}, published {expected_record(c).hex()}")
        print(f"tls_access full_static: {len(records)} records read from .symtab's slot, all match")

        done = subprocess.run([inspect, "--strict", str(proc.pid)], capture_output=True, text=True,
                              timeout=120)
        broken = re.findall(r"strict: ([a-z0-9-]+): (.*)", done.stderr)
        if done.returncode != 7 or [rule for rule, _ in broken] != ["slot-exported"]:
            fail(f"--strict: exit {done.returncode}, broken {broken}, expected 7 and slot-exported")
        if publisher not in broken[0][1]:
            fail(f"--strict slot-exported does not name {publisher}: {broken[0][1]}")
        print(f"tls_access full_static: --strict: {done.stderr.strip().splitlines()[0]}")
        if writer_process.ended(proc) != 0:
            fail(f"publisher exited with {proc.returncode}")


if __name__ == "__main__":
    main()
