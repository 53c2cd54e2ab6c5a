#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Drives one linking scenario: chooses random, distinct contexts (ids,
flags, attributes) for several threads, hands them to scenario_publisher,
and reads every thread's otel_thread_ctx_v1 from outside: with gdb (TLS
resolved through libthread_db) and/or with otelctx-inspect --json, comparing
the 28-byte header and attrs_data of each with what it chose. A mismatch, a
missing or extra thread, or a reader failing to resolve the slot fails the
scenario. With --reader self only the publisher's in-process checks run.

--reader sample reads as the eBPF profiler does: `otelctx-inspect sample`
while the publisher's threads spin (OTELCTX_SCENARIO_BUSY=1), one second at
a time until every chosen record was sampled; every sample must have found
one of them (no NULL, invalid, unreadable or other record), in the slot of
--slot-object when given, and with --tls dynamic through the DTV
(tlsdesc-dynamic). With OTELCTX_SKIP_BPF=1 it exits 77 (ctest's skip).

Usage: scenario_reader.py NAME [--reader gdb,inspect,sample|self] [--inspect PROGRAM]
                          [--tls static|dynamic|any] [--self-check 0|fail]
                          [--slot-object PATH] -- PROGRAM [ARG...]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time

import writer_process
from gdb_slots import read_slots

THREADS = 4
SAMPLE_DEADLINE_SECONDS = 300  # generous: both cores may be busy elsewhere


def fail(name, message):
    print(f"scenario {name}: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def choose_contexts(rng):
    """Every thread gets its own ids and attribute values; whole record fits."""
    contexts = []
    for t in range(THREADS):
        attrs = []
        for _ in range(rng.randint(0, 5)):
            value = bytes(rng.randrange(0x20, 0x7f) for _ in range(rng.randint(0, 40)))
            attrs.append((rng.randrange(256), value))
        contexts.append({
            "trace_id": bytes([t]) + rng.randbytes(15),
            "span_id": bytes([t]) + rng.randbytes(7),
            "flags": rng.randrange(256),
            "attrs": attrs,
        })
    return contexts


def as_line(c):
    words = [c["trace_id"].hex(), c["span_id"].hex(), str(c["flags"])]
    words += [f"{key}:{value.hex()}" for key, value in c["attrs"]]
    return " ".join(words) + "\n"


def expected_record(c):
    """The record OTEP 4947 prescribes for c, encoded here, not by otelctx."""
    data = b"".join(bytes([key, len(value)]) + value for key, value in c["attrs"])
    header = c["trace_id"] + c["span_id"] + bytes([1, c["flags"]]) + len(data).to_bytes(2, "little")
    return header + data


def read_with_gdb(name, pid):
    """{lwp: record bytes} for every thread whose slot is not NULL."""
    records = read_slots(pid)
    if isinstance(records, str):
        fail(name, records)
    return records


def read_with_inspect(name, inspect, pid):
    """{tid: record bytes (header + attrs_data)} for every thread with a record."""
    done = subprocess.run([inspect, "--strict", "--json", str(pid)], capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        fail(name, f"otelctx-inspect exited {done.returncode}: {done.stderr.strip()}")
    print(f"  {done.stderr.strip().splitlines()[-1]}")
    records = {}
    for obj in json.loads(done.stdout)["objects"]:
        for t in obj["threads"]:
            if t["state"] == "null":
                continue
            if t["state"] != "valid":
                fail(name, f"otelctx-inspect: thread {t['tid']} {t['state']}")
            data = b"".join(bytes([a["index"], len(a["value_hex"]) // 2]) + bytes.fromhex(a["value_hex"])
                            for a in t["attributes"])
            header = (bytes.fromhex(t["trace_id"]) + bytes.fromhex(t["span_id"])
                      + bytes([1, t["trace_flags"]]) + t["attrs_data_size"].to_bytes(2, "little"))
            records[t["tid"]] = (header + data).ljust(640, b"\0")
    return records


def record_key(trace_id, span_id, flags, attrs):
    """What tells one record from another in the sampler's JSON."""
    return (trace_id, span_id, flags, tuple(attrs))


def sample_once(name, inspect, pid):
    """One second of `otelctx-inspect sample --json`, parsed."""
    command = [inspect, "sample", "--hz", "999", "--seconds", "1", "--json", str(pid)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode == 8:
        fail(name, f"sampling not possible here: {done.stderr.strip()}")
    if done.returncode != 0:
        fail(name, f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    result = json.loads(done.stdout)
    counted = (result["null"] + result["invalid"] + result["unreadable"] + result["dropped"]
               + result["records_over_cap"] + sum(r["samples"] for r in result["records"]))
    if counted != result["samples"]:
        fail(name, f"sample: {result['samples']} samples, but the classes add up to {counted}")
    return result


def read_with_sample(name, inspect, pid, contexts, args):
    """Samples until every chosen record was seen; fails on anything else."""
    wanted = {record_key(c["trace_id"].hex(), c["span_id"].hex(), c["flags"],
                         [(key, value.hex()) for key, value in c["attrs"]]) for c in contexts}
    seen = {}
    totals = {"samples": 0, "null": 0, "invalid": 0, "unreadable": 0, "dropped": 0,
              "records_over_cap": 0}
    deadline = time.monotonic() + SAMPLE_DEADLINE_SECONDS
    while set(seen) != wanted:
        if time.monotonic() > deadline:
            fail(name, f"sample: after {SAMPLE_DEADLINE_SECONDS} s only {len(seen)} of "
                       f"{len(wanted)} records sampled")
        result = sample_once(name, inspect, pid)
        for field in totals:
            totals[field] += result[field]
            # Threads that spin with a fixed record attached leave no room
            # for anything else: fail at once, not at the deadline.
            if field != "samples" and result[field] != 0:
                fail(name, f"sample: {result[field]} samples {field}, expected 0 ({result})")
        for r in result["records"]:
            key = record_key(r["trace_id"], r["span_id"], r["trace_flags"],
                             [(a["index"], a["value_hex"]) for a in r["attributes"]])
            if key not in wanted:
                fail(name, f"sample found a record nobody published: {r}")
            if args.slot_object and os.path.realpath(r["object"]) != os.path.realpath(args.slot_object):
                fail(name, f"sample: record in the slot of {r['object']}, expected {args.slot_object}")
            seen[key] = seen.get(key, 0) + r["samples"]
        models = {o["object"]: o["model"] for o in result["objects"]}
        if args.tls == "dynamic" and set(models.values()) != {"tlsdesc-dynamic"}:
            fail(name, f"sample: slot models {models}, expected tlsdesc-dynamic (dynamic TLS)")
    print(f"  sample: {totals['samples']} samples, {sorted(seen.values())} per record, "
          f"null {totals['null']}, invalid {totals['invalid']}, unreadable {totals['unreadable']}, "
          f"dropped {totals['dropped']}; slots {models}")


def compare(name, lwp, record, want):
    if len(record) != 640:
        fail(name, f"thread {lwp}: gdb read {len(record)} bytes, expected 640")
    size = int.from_bytes(record[26:28], "little")
    got = record[:28 + size]
    if got != want:
        fail(name, f"thread {lwp}: read {got.hex()}\n    published {want.hex()}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--reader", default="gdb")
    parser.add_argument("--inspect", help="the otelctx-inspect program (--reader inspect, sample)")
    parser.add_argument("--tls", choices=("static", "dynamic", "any"), default="any")
    parser.add_argument("--self-check", choices=("0", "fail"), default="0")
    parser.add_argument("--slot-object", help="the object whose slot --reader sample must find")
    split = sys.argv.index("--")
    args = parser.parse_args(sys.argv[1:split])
    name, program = args.name, sys.argv[split + 1:]
    readers = [] if args.reader == "self" else args.reader.split(",")
    if "gdb" in readers and shutil.which("gdb") is None:
        fail(name, "gdb not found (apt-get install gdb)")
    if "sample" in readers and os.environ.get("OTELCTX_SKIP_BPF") == "1":
        print(f"scenario {name}: skipped (OTELCTX_SKIP_BPF=1)")
        sys.exit(77)
    uses_inspect = "inspect" in readers or "sample" in readers
    if uses_inspect and not (args.inspect and os.access(args.inspect, os.X_OK)):
        fail(name, f"otelctx-inspect not found: {args.inspect}")

    seed = int(os.environ.get("OTELCTX_SEED", time.time_ns()))
    print(f"scenario {name}: seed {seed}", flush=True)
    contexts = choose_contexts(random.Random(seed))
    env = dict(os.environ)
    if "sample" in readers:
        env["OTELCTX_SCENARIO_BUSY"] = "1"
    with writer_process.started(program, env=env) as proc:
        proc.stdin.write("".join(as_line(c) for c in contexts) + "\n")
        proc.stdin.flush()
        tids, self_check = [], None
        for line in proc.stdout:
            print(f"  {line.rstrip()}")
            words = line.split()
            if words[:1] == ["self_check"]:
                self_check = int(words[1])
            elif words[:1] == ["thread"]:
                tids.append(int(words[1]))
                if args.tls != "any" and words[2] != args.tls:
                    fail(name, f"thread {words[1]}: slot in {words[2]} TLS, expected {args.tls}")
            elif words == ["ready"]:
                break
        else:
            fail(name, f"publisher exited with {proc.wait()} before it was ready")
        if self_check is None or (self_check == 0) != (args.self_check == "0"):
            fail(name, f"otelctx_self_check returned {self_check}, expected {args.self_check}")
        if len(tids) != THREADS:
            fail(name, f"{len(tids)} threads published, expected {THREADS}")

        for reader in readers:
            if reader == "sample":
                read_with_sample(name, args.inspect, proc.pid, contexts, args)
                print(f"scenario {name}: sample saw every record, and nothing else")
                continue
            if reader == "gdb":
                records = read_with_gdb(name, proc.pid)
            else:
                records = read_with_inspect(name, args.inspect, proc.pid)
            if sorted(records) != sorted(tids):
                fail(name, f"{reader} found records on threads {sorted(records)}, published on {sorted(tids)}")
            for tid, c in zip(tids, contexts):
                compare(name, tid, records[tid], expected_record(c))
            print(f"scenario {name}: {reader} read {len(records)} threads, all match")
        if writer_process.ended(proc) != 0:
            fail(name, f"publisher exited with {proc.returncode}")
        print(f"scenario {name}: ok")


if __name__ == "__main__":
    main()
