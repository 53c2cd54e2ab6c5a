#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""sample_command_line: `otelctx-inspect sample`'s arguments and the exits it
reaches before any sample is taken: a malformed or out-of-range --hz or
--seconds, a missing PID or an unknown option is status 1 with one line
naming it; a PID that is no process is 2; a process without otelctx is 4;
without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (dropped from the bounding
set with setpriv), sampling a writer is 8 with one line saying BPF is not
permitted.

Usage: command_line.py INSPECT SAMPLE_WRITER
"""
import os
import shutil
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


def check_not_permitted(inspect, program):
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        fail("setpriv not found (apt-get install util-linux)")
    writer = subprocess.Popen([program, "1", "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        if writer.stdout.readline().strip() != "ready":
            fail("sample_writer did not start")
        p = subprocess.run([setpriv, "--bounding-set=-bpf,-perfmon,-sys_admin", inspect, "sample",
                            "--seconds", "1", str(writer.pid)],
                           capture_output=True, text=True, timeout=PATIENCE)
        lines = p.stderr.splitlines()
        if p.returncode != 8 or len(lines) != 1 or "not permitted" not in lines[0]:
            fail(f"sample without CAP_BPF: exit {p.returncode}, stderr {p.stderr!r}: expected 8, "
                 f"one line saying what is not permitted")
    finally:
        writer.stdin.close()
        writer.wait(timeout=PATIENCE)


def main():
    inspect, program = sys.argv[1], sys.argv[2]
    check_bad(inspect)
    check_no_process(inspect)
    check_no_otelctx(inspect)
    check_not_permitted(inspect, program)
    print(f"{TEST}: ok")


main()
