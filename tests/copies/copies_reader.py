#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Reads a process holding several copies of otelctx (host.c) the three
ways a reader can: gdb (every thread's otel_thread_ctx_v1, through
libthread_db), otelctx-inspect --strict --json (every object that defines
the slot, key names from the process context) and otelctx-inspect sample
(in the kernel, as the eBPF profiler reads). Every record the host printed
as published must be what each reader shows, with its key name, in every
object defining the slot (the copies share one); the readers' records are
decoded here, by OTEP 4947's layout, not by otelctx.

Usage: copies_reader.py --inspect TOOL [--no-sample] -- HOST ARGS..."""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from gdb_slots import read_slots  # noqa: E402
from writer_process import ended, started  # noqa: E402

SAMPLE_DEADLINE_SECONDS = 60


def fail(message):
    print(f"copies: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def host_output(proc):
    """The "expect" records by tid and the resource, up to "ready"."""
    expected, resource = {}, None
    for line in proc.stdout:
        if line.strip() == "ready":
            return expected, resource
        if line.startswith("expect "):
            record = json.loads(line[len("expect "):])
            expected[record["tid"]] = record
        elif line.startswith("resource "):
            resource = json.loads(line[len("resource "):])
    fail(f"the host ended before it was ready (status {proc.wait()})")


def decode(record, names):
    """OTEP 4947's record: 16-byte trace id, 8-byte span id, valid, flags,
    2-byte size, then index/length/value entries."""
    if record[24] != 1:
        return {"valid": record[24]}
    size = int.from_bytes(record[26:28], "little")
    attrs, at = {}, 28
    while at + 2 <= 28 + size:
        index, length = record[at], record[at + 1]
        key = names[index] if index < len(names) else f"#{index}"
        attrs[key] = record[at + 2:at + 2 + length].decode()
        at += 2 + length
    return {"trace_id": record[:16].hex(), "span_id": record[16:24].hex(),
            "trace_flags": record[25], "attributes": attrs}


def published(want):
    """The record of an "expect" line (its name_hex is the thread's name)."""
    return {k: want[k] for k in ("trace_id", "span_id", "trace_flags", "attributes")}


def read_with_inspect(inspect, pid, expected, resource):
    done = subprocess.run([inspect, "--strict", "--json", str(pid)], capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        fail(f"otelctx-inspect --strict exited {done.returncode}: {done.stderr.strip()}")
    reading = json.loads(done.stdout)
    context = reading["process_context"]
    got_resource = context["resource"]
    if got_resource != resource:
        fail(f"resource {got_resource}, published {resource}")
    names = context["attribute_key_map"]
    objects = reading["objects"]
    if not objects:
        fail("otelctx-inspect found no object defining the slot")
    for obj in objects:
        threads = {t["tid"]: t for t in obj["threads"]}
        for tid, want in expected.items():
            t = threads.get(tid)
            if t is None or t["state"] != "valid":
                fail(f"{obj['path']}: thread {tid}: {t}, expected {published(want)}")
            got = {"trace_id": t["trace_id"], "span_id": t["span_id"],
                   "trace_flags": t["trace_flags"],
                   "attributes": {a["key"]: bytes.fromhex(a["value_hex"]).decode()
                                  for a in t["attributes"]}}
            if got != published(want):
                fail(f"{obj['path']}: thread {tid}: read {got}\n    published {published(want)}")
    for t in objects[0]["threads"]:
        want = expected.get(t["tid"])
        if want is not None and t["name"] != bytes.fromhex(want["name_hex"]).decode():
            fail(f"thread {t['tid']}: name {t['name']!r}, named {want['name_hex']} (hex)")
    print(f"  otelctx-inspect: {len(objects)} object(s) defining the slot, each with the "
          f"{len(expected)} records; {done.stderr.strip().splitlines()[-1]}")
    return names


def read_text(inspect, pid, expected):
    """The text output names each thread, escaped: no byte of a name's
    terminal escape reaches the terminal."""
    done = subprocess.run([inspect, str(pid)], capture_output=True, timeout=120)
    if done.returncode != 0:
        fail(f"otelctx-inspect exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    if b"\x1b" in done.stdout:
        fail("the text output holds a raw ESC byte of a thread name")
    for tid, want in expected.items():
        name = bytes.fromhex(want["name_hex"]).replace(b"\x1b", b"\\x1b")
        if f"  thread {tid} (".encode() + name + b"): trace" not in done.stdout:
            fail(f"text output: no line for thread {tid} named {name!r}:\n{done.stdout.decode()}")
    print(f"  otelctx-inspect (text): the {len(expected)} threads by name, escaped")


def read_with_gdb(pid, expected, names):
    records = read_slots(pid)
    if isinstance(records, str):
        fail(records)
    for tid, want in expected.items():
        record = bytes(records.get(tid, b""))
        if len(record) != 640:
            fail(f"gdb: thread {tid}: {len(record)} bytes read, expected 640")
        if decode(record, names) != published(want):
            fail(f"gdb: thread {tid}: read {decode(record, names)}\n    published {published(want)}")
    print(f"  gdb: the {len(expected)} records")


def read_with_sample(inspect, pid, expected, names):
    wanted = {(w["trace_id"], w["span_id"]): published(w) for w in expected.values()}
    seen = set()
    deadline = time.monotonic() + SAMPLE_DEADLINE_SECONDS
    while seen != set(wanted):
        if time.monotonic() > deadline:
            fail(f"sample: after {SAMPLE_DEADLINE_SECONDS} s, {len(seen)} of {len(wanted)} records")
        command = [inspect, "sample", "--hz", "999", "--seconds", "1", "--json", str(pid)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            fail(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
        result = json.loads(done.stdout)
        for r in result["records"]:
            key = (r["trace_id"], r["span_id"])
            got = {"trace_id": r["trace_id"], "span_id": r["span_id"],
                   "trace_flags": r["trace_flags"],
                   "attributes": {names[a["index"]]: bytes.fromhex(a["value_hex"]).decode()
                                  for a in r["attributes"] if a["index"] < len(names)}}
            if key not in wanted or got != wanted[key]:
                fail(f"sample found a record nobody published: {r}")
            seen.add(key)
    print(f"  sample: the {len(wanted)} records")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--inspect", required=True)
    parser.add_argument("--no-sample", action="store_true")
    parser.add_argument("host", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    host = args.host[1:] if args.host[:1] == ["--"] else args.host
    with started(host) as proc:
        expected, resource = host_output(proc)
        names = read_with_inspect(args.inspect, proc.pid, expected, resource)
        read_text(args.inspect, proc.pid, expected)
        read_with_gdb(proc.pid, expected, names)
        if not args.no_sample and os.environ.get("OTELCTX_SKIP_BPF") != "1":
            read_with_sample(args.inspect, proc.pid, expected, names)
        status = ended(proc)
        if status != 0:
            fail(f"the host exited with status {status}")
    print(f"copies: {' '.join(os.path.basename(a) for a in host[1:])}: one slot, one key map, "
          f"one process context")


if __name__ == "__main__":
    main()
