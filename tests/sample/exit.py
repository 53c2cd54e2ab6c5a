#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bpf_sample_exit: a writer that exits while `otelctx-inspect sample` samples
it (for an hour) ends the sampling at once with status 2, "exited while it
was sampled", and what was sampled printed: the writer ran half a second of
CPU time under sampling first (read from /proc, a condition, not a clock),
so samples were taken, and each record reported is one it published.

Usage: exit.py INSPECT SAMPLE_WRITER
"""
import json
import os
import random
import sys
import time

from sample_records import (PATIENCE, Sampler, Writer, check_sums, fail, identity,
                            skip_if_asked)

TEST = "bpf_sample_exit"
CPU_SECONDS = 0.5


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_cpu(pid, seconds):
    start, deadline = cpu_seconds(pid), time.monotonic() + PATIENCE
    while cpu_seconds(pid) - start < seconds:
        if time.monotonic() > deadline:
            fail(TEST, f"the writer did not run {seconds} s of CPU time within {PATIENCE} s")
        time.sleep(0.01)  # polling a condition with a deadline


def main():
    skip_if_asked(TEST)
    inspect, program = sys.argv[1], sys.argv[2]
    writer = Writer(TEST, program, 2, random.getrandbits(32))
    sampler = Sampler(TEST, inspect, ["--json", "--seconds", "3600"], writer.pid)
    sampler.wait_started()
    wait_cpu(writer.pid, CPU_SECONDS)
    writer.close()
    status, out, err = sampler.finish()
    if status != 2 or "exited while it was sampled" not in err:
        fail(TEST, f"exit {status}, expected 2 with 'exited while it was sampled': {err.strip()}")
    result = json.loads(out)
    check_sums(TEST, result)
    if result["samples"] == 0:
        fail(TEST, "nothing printed as sampled, though the writer ran under sampling")
    published = writer.published()
    for r in result["records"]:
        if identity(r) not in published:
            fail(TEST, f"a record that was never published: {r}")
    print(f"{TEST}: ok: {result['samples']} samples before the exit, "
          f"{len(result['records'])} records")


main()
