#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The torn-read test, read as the eBPF profiler reads: torn_writer's
threads cycle through every writer function while `otelctx-inspect sample`
samples them from the kernel at HZ (>= 10 kHz), run after run, until
MIN_INSIDE samples landed while a thread was executing libotelctx's code
(the sampler's "ip_objects") — a count of samples, not a time; a generous
overall deadline only guards against a sampler that never gets there.
Every record a sample found is checked by the generation oracle of
tests/generation.h (restated here): all of its fields must come from one
generation. One that mixes two is torn and fails the test; so do fewer
than MIN_INSIDE samples inside the library by the deadline, and a writer
that never showed the sampler a NULL slot, an invalid record or a whole one
(then the test would not have seen the writer at work).

Usage: torn_read.py INSPECT TORN_WRITER [--writers N] [--hz HZ] [--min-inside N]
With OTELCTX_SKIP_BPF=1 it prints one line and exits 77 (ctest's skip).
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import writer_process  # noqa: E402

DEADLINE_SECONDS = 1800
RUN_SECONDS = 2
PUSHED_KEY, PUSHED_VALUE = 0xEE, b"pushed!"
MAX_ATTRS, MAX_LEN = 4, 48


def fail(message):
    print(f"torn_read: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def generation_entries(g):
    """The attribute entries generation g writes (tests/generation.h)."""
    return [(g, bytes([g & 0x7F]) * ((g * 7 + i * 13) % MAX_LEN)) for i in range(1 + g % MAX_ATTRS)]


def consistent(record):
    """Whether a sampled record is one whole generation."""
    trace = bytes.fromhex(record["trace_id"])
    span = bytes.fromhex(record["span_id"])
    g, s = trace[0], span[0]
    if trace != bytes([g]) * 16 or span != bytes([s]) * 8 or (s == 0) != (g == 0):
        return False
    if record["trace_flags"] != g:
        return False
    entries = [(a["index"], bytes.fromhex(a["value_hex"])) for a in record["attributes"]]
    whole = generation_entries(g)
    return entries in (whole, whole + [(PUSHED_KEY, PUSHED_VALUE)])


def is_library(path):
    return path is not None and os.path.basename(path).startswith("libotelctx")


def sample_run(inspect, pid, hz):
    command = [inspect, "sample", "--hz", str(hz), "--seconds", str(RUN_SECONDS), "--json", str(pid)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_SECONDS + 300)
    if done.returncode == 8:
        fail(f"sampling not possible here: {done.stderr.strip()}")
    if done.returncode != 0:
        fail(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("inspect")
    parser.add_argument("writer")
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--hz", type=int, default=10000)
    parser.add_argument("--min-inside", type=int, default=100000)
    args = parser.parse_args()
    if os.environ.get("OTELCTX_SKIP_BPF") == "1":
        print("torn_read: skipped (OTELCTX_SKIP_BPF=1)")
        sys.exit(77)
    for program in (args.inspect, args.writer):
        if not os.access(program, os.X_OK):
            fail(f"not found: {program}")

    counts = {"samples": 0, "inside": 0, "null": 0, "invalid": 0, "unreadable": 0, "dropped": 0,
              "records_over_cap": 0, "consistent": 0, "torn": 0}
    first_torn = None
    with writer_process.started([args.writer, str(args.writers)]) as writer:
        tids = writer_process.thread_ids_until_ready(writer.stdout)
        if tids is None:
            fail(f"torn_writer exited with {writer.wait()} before it was ready")
        print(f"torn_read: {len(tids)} writers {tids}, sampled at {args.hz} Hz until "
              f"{args.min_inside} samples inside libotelctx", flush=True)
        start = time.monotonic()
        runs = 0
        while counts["inside"] < args.min_inside:
            if time.monotonic() - start > DEADLINE_SECONDS:
                fail(f"deadline of {DEADLINE_SECONDS} s: only {counts['inside']} samples inside "
                     f"libotelctx ({counts})")
            if writer.poll() is not None:
                fail(f"torn_writer exited with {writer.returncode} while sampled")
            result = sample_run(args.inspect, writer.pid, args.hz)
            runs += 1
            for field in ("samples", "null", "invalid", "unreadable", "dropped", "records_over_cap"):
                counts[field] += result[field]
            counts["inside"] += sum(o["samples"] for o in result["ip_objects"] if is_library(o["object"]))
            for record in result["records"]:
                if consistent(record):
                    counts["consistent"] += record["samples"]
                else:
                    counts["torn"] += record["samples"]
                    first_torn = first_torn or record
            print(f"  run {runs}: {result['samples']} samples, {counts['inside']} inside libotelctx "
                  f"so far", flush=True)
        writer.stdin.close()
        for line in writer.stdout:
            print(f"  {line.rstrip()}")
        if writer.wait(timeout=120) != 0:
            fail(f"torn_writer exited with {writer.returncode} (a writer call failed)")

    print(f"torn_read: {counts['samples']} samples in {runs} runs of {RUN_SECONDS} s, "
          f"{counts['inside']} inside libotelctx: NULL {counts['null']}, invalid {counts['invalid']}, "
          f"unreadable {counts['unreadable']}, consistent {counts['consistent']}, "
          f"torn {counts['torn']}, dropped {counts['dropped']}, past the record cap "
          f"{counts['records_over_cap']}")
    if counts["torn"] > 0:
        fail(f"{counts['torn']} samples found a torn record, first: {json.dumps(first_torn)}")
    for field in ("null", "invalid", "consistent"):
        if counts[field] == 0:
            fail(f"no sample found a {field} record: the writers were not seen at work")
    if counts["unreadable"] != 0:
        fail(f"{counts['unreadable']} samples could not read the slot or the record")
    if counts["records_over_cap"] != 0:
        fail(f"{counts['records_over_cap']} samples found records past the sampler's cap of "
             "distinct records: the oracle could not check them")
    print("torn_read: ok")


if __name__ == "__main__":
    main()
