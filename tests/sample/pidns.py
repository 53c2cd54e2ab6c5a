#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bpf_sample_pidns: `otelctx-inspect sample` in a PID namespace of its own
(as in a container), the writer in it too: the PID it is given is the
namespace's, not the kernel's global one, and the writer's records are
still found. Run again under `unshare --pid --fork --mount-proc` with
--inside; the writer ran half a second of CPU time under sampling, so
samples were taken.

Usage: pidns.py INSPECT SAMPLE_WRITER
"""
import json
import os
import random
import shutil
import subprocess
import sys

from exit_conditions import wait_cpu
from sample_records import PATIENCE, Sampler, Writer, check_sums, fail, identity, skip_if_asked

TEST = "bpf_sample_pidns"


def inside(inspect, program):
    writer = Writer(TEST, program, 2, random.getrandbits(32))
    try:
        sampler = Sampler(TEST, inspect, ["--json", "--seconds", "3600"], writer.pid)
        sampler.wait_started()
        wait_cpu(TEST, writer.pid, 0.5)
        sampler.proc.terminate()
        status, out, err = sampler.finish()
        if status != 143:
            fail(TEST, f"exit {status}, expected 143 (SIGTERM): {err.strip()}")
    finally:
        writer.close()
    result = json.loads(out)
    check_sums(TEST, result)
    published = writer.published()
    found = [r for r in result["records"] if identity(r) in published]
    if result["pid"] != writer.pid or not found or len(found) != len(result["records"]):
        fail(TEST, f"writer {writer.pid} in its namespace: {result['samples']} samples, records "
                   f"{result['records']}")
    print(f"{TEST}: ok: writer {writer.pid} in the namespace, {result['samples']} samples, "
          f"{len(found)} records")


def main():
    skip_if_asked(TEST)
    if sys.argv[1] == "--inside":
        inside(sys.argv[2], sys.argv[3])
        return
    unshare = shutil.which("unshare")
    if unshare is None:
        fail(TEST, "unshare not found (apt-get install util-linux)")
    p = subprocess.run([unshare, "--pid", "--fork", "--mount-proc", sys.executable,
                        os.path.abspath(__file__), "--inside", *sys.argv[1:3]], timeout=PATIENCE)
    sys.exit(p.returncode)


main()
