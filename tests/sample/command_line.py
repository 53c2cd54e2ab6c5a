#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""sample_command_line: `otelctx-inspect sample`'s arguments and the exits it
reaches before any BPF is loaded: a malformed or out-of-range --hz or
--seconds, a missing PID or an unknown option is status 1 with one line
naming it; a PID that is no process is 2; a process without otelctx is 4.

Usage: command_line.py INSPECT
"""
import os
import subprocess
import sys
import time

TEST = "sample_command_line"
PATIENCE = 60.0

BAD = [
    (["--hz", "0", "1"], "--hz"),
    (["--hz", "100001", "1"], "--hz"),
    (["--hz", "-5", "1"], "--hz"),
    (["--hz", "1.5", "1"], "--hz"),
    (["--hz", "", "1"], "--hz"),
    (["--hz", "99999999999999999999999", "1"], "--hz"),
    (["--seconds", "0", "1"], "--seconds"),
    (["--seconds", "3600.5", "1"], "--seconds"),
    (["--seconds", "-1", "1"], "--seconds"),
    (["--seconds", "nan", "1"], "--seconds"),
    (["--seconds", "inf", "1"], "--seconds"),
    (["--seconds", "2s", "1"], "--seconds"),
    (["--seconds", " 2", "1"], "--seconds"),
    (["--hz"], "PID"),
    ([], "PID"),
    (["--frequency", "9", "1"], "--frequency"),
    (["--json", "12x"], "PID"),
]


def fail(message):
    print(f"{TEST}: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def run(inspect, args):
    p = subprocess.run([inspect, "sample", *args], capture_output=True, text=True,
                       timeout=PATIENCE)
    return p.returncode, p.stdout, p.stderr


def check_bad(inspect):
    for args, named in BAD:
        status, out, err = run(inspect, args)
        lines = err.splitlines()
        if status != 1 or out or len(lines) != 1 or named not in lines[0]:
            fail(f"sample {args}: exit {status}, stderr {err!r}: expected 1, one line naming "
                 f"{named}")


def check_no_process(inspect):
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())  # PIDs stay below it
    status, _, err = run(inspect, ["--seconds", "1", str(min(pid_max, 4194304))])
    if status != 2:
        fail(f"sample of no process: exit {status}, expected 2: {err.strip()}")


def check_no_otelctx(inspect):
    sleeper = subprocess.Popen(["sleep", "600"])
    deadline = time.monotonic() + PATIENCE
    try:
        # Until the child runs sleep, it is a copy of this Python.
        while os.path.basename(os.path.realpath(f"/proc/{sleeper.pid}/exe")) != "sleep":
            if time.monotonic() > deadline:
                fail("sleep never started")
            time.sleep(0.01)  # polling a condition with a deadline
        status, _, err = run(inspect, ["--seconds", "1", str(sleeper.pid)])
        if status != 4 or "otel_thread_ctx_v1" not in err:
            fail(f"sample of sleep: exit {status}, expected 4 naming the slot: {err.strip()}")
    finally:
        sleeper.kill()
        sleeper.wait()


def main():
    inspect = sys.argv[1]
    check_bad(inspect)
    check_no_process(inspect)
    check_no_otelctx(inspect)
    print(f"{TEST}: ok")


main()
