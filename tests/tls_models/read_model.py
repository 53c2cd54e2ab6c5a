#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Reads one TLS-model writer (writer.c) from outside and compares what the
reader found with what the writer printed it published.

First, readelf: the slot object must be the kind of object its place says
(shared library, executable, PIE, static-pie, fully static), define
otel_thread_ctx_v1 as an 8-byte global default STT_TLS symbol in .dynsym
(only in .symtab for the fully static one), and carry exactly the dynamic
relocations of its model against it: a compiler or linker that silently
chose another model fails here.

Then the writer runs with a seed chosen here, and either
- --reader inspect: `otelctx-inspect --json PID` must show each publishing
  thread's record as the writer printed it, and the main thread NULL; a
  fully static writer is also read with --strict, which must flag it with
  rule slot-exported; or
- --reader sample: `otelctx-inspect sample --json` (repeated until every
  record has samples, within a generous deadline) must attribute samples
  to exactly the writer's records, none invalid or unreadable, to the slot
  object, reporting the model this test expects. OTELCTX_SKIP_BPF=1 skips
  (exit 77).

Usage: read_model.py --reader inspect|sample --inspect PROGRAM --object PATH
                     --place shared|exe|pie|static-pie|static --model MODEL
                     --tls static|dynamic|any --symtab-only 0|1
                     -- WRITER [ARG...]
"""
import argparse
import json
import os
import random
import re
import queue
import shutil
import subprocess
import sys
import threading
import time

SLOT = "otel_thread_ctx_v1"
SKIP = 77
START_DEADLINE = 60
SAMPLE_DEADLINE = 120
MIN_SAMPLES = 5
MODEL_RELOCATIONS = {
    "tlsdesc-static": {"R_X86_64_TLSDESC"},
    "tlsdesc-dynamic": {"R_X86_64_TLSDESC"},
    "general-dynamic": {"R_X86_64_DTPMOD64", "R_X86_64_DTPOFF64"},
    "initial-exec": {"R_X86_64_TPOFF64"},
    "local-exec": set(),
}
MODEL_BUILT = {"tlsdesc-static": "tlsdesc", "tlsdesc-dynamic": "tlsdesc",
               "general-dynamic": "general-dynamic", "initial-exec": "initial-exec",
               "local-exec": "local-exec"}

name = "tls_model"


def fail(message):
    print(f"{name}: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def readelf(*args):
    if shutil.which("readelf") is None:
        fail("readelf not found (binutils)")
    done = subprocess.run(["readelf", "-W", *args], capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"readelf {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def slot_symbols(table_text):
    """(type, bind, visibility, size) of every otel_thread_ctx_v1 entry."""
    found = []
    for line in table_text.splitlines():
        words = line.split()
        # Num: Value Size Type Bind Vis Ndx Name
        if len(words) >= 8 and words[7].split("@")[0] == SLOT:
            found.append((words[3], words[4], words[5], int(words[2], 0)))
    return found


def check_elf(path, place, model, symtab_only):
    header = readelf("-h", path)
    elf_type = re.search(r"Type:\s+(\w+)", header).group(1)
    programs = readelf("-l", path)
    interp = "INTERP" in programs
    expected = {"shared": ("DYN", None), "exe": ("EXEC", True), "pie": ("DYN", True),
                "static-pie": ("DYN", False), "static": ("EXEC", False)}[place]
    if elf_type != expected[0] or (expected[1] is not None and interp != expected[1]):
        fail(f"{path}: type {elf_type}, PT_INTERP {interp}: not a {place} object")
    if place == "shared" and "DT_FLAGS_1" in readelf("-d", path) and "PIE" in readelf("-d", path):
        fail(f"{path}: a PIE, not a shared library")
    if " TLS " not in programs:
        fail(f"{path}: no PT_TLS")
    dynamic = slot_symbols(readelf("--dyn-syms", path))
    static = slot_symbols(readelf("--syms", path))
    want = ("TLS", "GLOBAL", "DEFAULT", 8)
    if symtab_only:
        if dynamic or want not in static:
            fail(f"{path}: {SLOT} should be only in .symtab: .dynsym {dynamic}, .symtab {static}")
    elif dynamic != [want]:
        fail(f"{path}: {SLOT} in .dynsym is {dynamic}, expected one {want}")
    relocations = set()
    for line in readelf("-r", path).splitlines():
        words = line.split()
        if len(words) >= 5 and words[4].split("@")[0] == SLOT:
            relocations.add(words[2])
    if relocations != MODEL_RELOCATIONS[model]:
        fail(f"{path}: relocations against {SLOT}: {sorted(relocations) or 'none'}; "
             f"{model} has {sorted(MODEL_RELOCATIONS[model]) or 'none'}")
    print(f"  readelf: {place} object, {model}: relocations {sorted(relocations) or 'none'}")


def decode_record(record):
    """(trace_id hex, span_id hex, flags, ((index, value hex), ...)), decoded
    here from OTEP 4947's layout."""
    if len(record) < 28 or record[24] != 1:
        fail(f"writer printed an invalid record {record.hex()}")
    size = int.from_bytes(record[26:28], "little")
    data, attrs, at = record[28:28 + size], [], 0
    if len(data) != size:
        fail(f"writer printed a record shorter than its attrs_data_size: {record.hex()}")
    while at + 2 <= size and at + 2 + data[at + 1] <= size:
        attrs.append((data[at], data[at + 2:at + 2 + data[at + 1]].hex()))
        at += 2 + data[at + 1]
    return (record[:16].hex(), record[16:24].hex(), record[25], tuple(attrs))


def from_reader(r):
    """The same tuple from a reading's or sample's JSON record; no key map is
    published, so every key must be null."""
    for a in r["attributes"]:
        if a["key"] is not None:
            fail(f"attribute {a} has a key, but the writer publishes no key map")
    return (r["trace_id"], r["span_id"], r["trace_flags"],
            tuple((a["index"], a["value_hex"]) for a in r["attributes"]))


def start_writer(command, tls, model):
    seed = random.SystemRandom().randrange(1, 2**63)
    print(f"  seed {seed:#x}: {' '.join(command)}")
    proc = subprocess.Popen([command[0], str(seed), *command[1:]], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout] + [lines.put("")],
                     daemon=True).start()
    deadline = time.monotonic() + START_DEADLINE
    built, threads = None, {}
    while True:
        try:
            line = lines.get(timeout=max(0, deadline - time.monotonic()))
        except queue.Empty:
            proc.kill()
            fail(f"writer printed no 'ready' within {START_DEADLINE} s")
        if line == "":
            fail(f"writer exited {proc.wait()} before 'ready'")
        words = line.split()
        if words[:1] == ["built"]:
            built = words[1]
        elif words[:1] == ["thread"]:
            tid, where, record = int(words[1]), words[2], bytes.fromhex(words[3])
            if tls != "any" and where != tls:
                fail(f"writer thread {tid}: slot in {where} TLS, the case wants {tls}")
            threads[tid] = decode_record(record)
        elif words == ["ready"]:
            break
    if built != MODEL_BUILT[model]:
        fail(f"writer built for {built}, the case expects {model}")
    if len(set(threads.values())) != len(threads):
        fail("two writer threads published the same record")
    return proc, threads


def read_inspect(inspect, proc, threads, object_path, symtab_only):
    done = subprocess.run([inspect, "--json", str(proc.pid)], capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        fail(f"otelctx-inspect --json exited {done.returncode}: {done.stderr.strip()}")
    objects = json.loads(done.stdout)["objects"]
    paths = [os.path.realpath(o["path"]) for o in objects]
    if paths != [object_path]:
        fail(f"otelctx-inspect found slots in {paths}, the writer's is {object_path}")
    seen = {}
    for t in objects[0]["threads"]:
        if t["tid"] in threads:
            if t["state"] != "valid":
                fail(f"thread {t['tid']}: state {t['state']}")
            seen[t["tid"]] = from_reader(t)
        elif t["state"] != "null":
            fail(f"thread {t['tid']} (not publishing) read as {t['state']}")
    for tid, published in threads.items():
        if seen.get(tid) != published:
            fail(f"thread {tid}: read {seen.get(tid)}, published {published}")
    print(f"  otelctx-inspect: {len(seen)} records as published")
    if symtab_only:
        strict = subprocess.run([inspect, "--strict", "--json", str(proc.pid)],
                                capture_output=True, text=True, timeout=120)
        if strict.returncode == 0 or "slot-exported" not in strict.stderr:
            fail(f"--strict exited {strict.returncode} without flagging slot-exported: "
                 f"{strict.stderr.strip()}")
        print(f"  --strict: exit {strict.returncode}, slot-exported flagged")


def read_sample(inspect, proc, threads, object_path, model, symtab_only):
    counts = {}
    deadline = time.monotonic() + SAMPLE_DEADLINE
    while True:
        done = subprocess.run([inspect, "sample", "--hz", "999", "--seconds", "2", "--json",
                               str(proc.pid)], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            fail(f"otelctx-inspect sample exited {done.returncode}: {done.stderr.strip()}")
        result = json.loads(done.stdout)
        objects = [(os.path.realpath(o["object"]), o["model"], o["slot_only_in_symtab"])
                   for o in result["objects"]]
        if objects != [(object_path, model, bool(symtab_only))]:
            fail(f"sampler resolved {objects}, expected {[(object_path, model, bool(symtab_only))]}")
        if result["invalid"] or result["unreadable"]:
            fail(f"{result['invalid']} invalid, {result['unreadable']} unreadable samples")
        for r in result["records"]:
            if os.path.realpath(r["object"]) != object_path:
                fail(f"record attributed to {r['object']}")
            record = from_reader(r)
            if record not in threads.values():
                fail(f"sampled a record never published: {record}")
            counts[record] = counts.get(record, 0) + r["samples"]
        if all(counts.get(r, 0) >= MIN_SAMPLES for r in threads.values()):
            break
        if time.monotonic() > deadline:
            fail(f"after {SAMPLE_DEADLINE} s, samples per record {list(counts.values())}")
    print(f"  sampler: model {model}, samples per record {sorted(counts.values())}")


def main():
    global name
    parser = argparse.ArgumentParser()
    parser.add_argument("--reader", choices=("inspect", "sample"), required=True)
    parser.add_argument("--inspect", required=True)
    parser.add_argument("--object", required=True)
    parser.add_argument("--place", choices=("shared", "exe", "pie", "static-pie", "static"),
                        required=True)
    parser.add_argument("--model", choices=sorted(MODEL_RELOCATIONS), required=True)
    parser.add_argument("--tls", choices=("static", "dynamic", "any"), required=True)
    parser.add_argument("--symtab-only", choices=("0", "1"), required=True)
    split = sys.argv.index("--")
    args = parser.parse_args(sys.argv[1:split])
    command = sys.argv[split + 1:]
    name = f"tls_model {args.model} ({args.place}, {args.reader})"
    if args.reader == "sample" and os.environ.get("OTELCTX_SKIP_BPF") == "1":
        print(f"{name}: skipped (OTELCTX_SKIP_BPF=1)")
        sys.exit(SKIP)
    object_path = os.path.realpath(args.object)
    check_elf(object_path, args.place, args.model, args.symtab_only == "1")
    proc, threads = start_writer(command, args.tls, args.model)
    try:
        if args.reader == "inspect":
            read_inspect(args.inspect, proc, threads, object_path, args.symtab_only == "1")
        else:
            read_sample(args.inspect, proc, threads, object_path, args.model,
                        args.symtab_only == "1")
    finally:
        proc.stdin.close()
        status = proc.wait(timeout=60)
    if status != 0:
        fail(f"writer exited {status}")
    print(f"{name}: ok")


if __name__ == "__main__":
    main()
