# SPDX-License-Identifier: Apache-2.0
"""A condition the sampler's tests wait for: the writer ran so much CPU time
(from /proc/PID/stat), so that samples were taken, whatever the load."""
import os
import time

from sample_records import PATIENCE, fail


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_cpu(test, pid, seconds):
    start, deadline = cpu_seconds(pid), time.monotonic() + PATIENCE
    while cpu_seconds(pid) - start < seconds:
        if time.monotonic() > deadline:
            fail(test, f"the writer did not run {seconds} s of CPU time within {PATIENCE} s")
        time.sleep(0.01)  # polling a condition with a deadline
