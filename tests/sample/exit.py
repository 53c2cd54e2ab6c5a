#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bpf_sample_exit: how `otelctx-inspect sample` (for an hour) ends early.
  - the writer exits: at once, status 2, "exited while it was sampled"
  - SIGINT, SIGTERM: at once, status 130 and 143, the writer left running
In each case what was sampled is printed: the writer ran half a second of
CPU time under sampling first (read from /proc, a condition, not a clock),
so samples were taken, and each record reported is one it published.

Usage: exit.py INSPECT SAMPLE_WRITER
"""
import json
import os
import random
import signal
import sys

from exit_conditions import wait_cpu
from sample_records import Sampler, Writer, check_sums, fail, identity, skip_if_asked

TEST = "bpf_sample_exit"
CPU_SECONDS = 0.5


def sample_until(inspect, writer, end):
    """Samples writer for an hour, end()s it once it ran CPU_SECONDS under
    sampling; (status, the JSON printed, stderr)."""
    sampler = Sampler(TEST, inspect, ["--json", "--seconds", "3600"], writer.pid)
    sampler.wait_started()
    wait_cpu(TEST, writer.pid, CPU_SECONDS)
    end(sampler)
    status, out, err = sampler.finish()
    try:
        result = json.loads(out)
    except json.JSONDecodeError:
        fail(TEST, f"exit {status}, no JSON printed: {out[:200]!r}; stderr {err.strip()}")
    check_sums(TEST, result)
    if result["samples"] == 0:
        fail(TEST, "nothing printed as sampled, though the writer ran under sampling")
    published = writer.published()
    for r in result["records"]:
        if identity(r) not in published:
            fail(TEST, f"a record that was never published: {r}")
    return status, result, err


def check_exit(inspect, program):
    writer = Writer(TEST, program, 2, random.getrandbits(32))
    status, result, err = sample_until(inspect, writer, lambda sampler: writer.close())
    if status != 2 or "exited while it was sampled" not in err:
        fail(TEST, f"exit {status}, expected 2 with 'exited while it was sampled': {err.strip()}")
    print(f"writer exit: {result['samples']} samples, {len(result['records'])} records")


def check_signal(inspect, program, sig):
    writer = Writer(TEST, program, 2, random.getrandbits(32))
    try:
        status, result, err = sample_until(inspect, writer,
                                           lambda sampler: sampler.proc.send_signal(sig))
        if status != 128 + sig:
            fail(TEST, f"{signal.Signals(sig).name}: exit {status}, expected {128 + sig}: "
                       f"{err.strip()}")
        if os.waitpid(writer.pid, os.WNOHANG) != (0, 0):
            fail(TEST, f"{signal.Signals(sig).name}: the writer did not survive the sampler")
    finally:
        writer.close()
    print(f"{signal.Signals(sig).name}: {result['samples']} samples, "
          f"{len(result['records'])} records")


def main():
    skip_if_asked(TEST)
    inspect, program = sys.argv[1], sys.argv[2]
    check_exit(inspect, program)
    check_signal(inspect, program, signal.SIGINT)
    check_signal(inspect, program, signal.SIGTERM)
    print(f"{TEST}: ok")


main()
