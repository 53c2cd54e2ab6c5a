#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""otelctx-inspect's stop path, against stop_target:
  - threads waiting in vfork() for a child that never execs cannot reach a
    ptrace stop: the reading still ends (exit 0), lists them as
    "could not be stopped" / "unstoppable", counts them in threads_not_read
    and on stderr, reads every other thread, and leaves none traced
  - 200 such threads are read in a bounded time (not 1 s each)
  - SIGINT and SIGTERM during such a reading end it at once with 130 and
    143, the target untraced and running
  - 4200 threads (more than the 4096 once read at most): all read
  - a thread traced by another process: "traced", with that tracer, and
    the other threads read; exit 0

Usage: stopping.py INSPECT STOP_TARGET
"""
import ctypes
import json
import os
import signal
import subprocess
import sys
import time

from target_util import PATIENCE, Target, expect_untraced, fail, trace_id
from text_output import thread_line  # noqa: E402 (tests/ is on the path once target_util is in)

TEST = "stopping"
# 200 threads that never stop are read "in a few seconds" (the stop deadline
# is 1 s, for a window of threads at a time); 1 s each would be 200 s.
MANY_STUCK, MANY_STUCK_SECONDS = 200, 30.0
# A reading of 600 unstoppable threads lasts at least 5 deadlines of 1 s
# (windows of 128); a signal must end it well before: within 4 s.
SIGNALLED_STUCK, SIGNAL_SECONDS = 600, 4.0
CROWD = 4200


def read(inspect, target, *args):
    start = time.monotonic()
    try:
        done = subprocess.run([inspect, *args, str(target.pid)], capture_output=True, text=True,
                              timeout=PATIENCE * 4)
    except subprocess.TimeoutExpired:
        target.proc.kill()
        fail(TEST, f"reading of {target.pid} {' '.join(args)}: no end in {PATIENCE * 4:.0f} s")
    return done, time.monotonic() - start


def read_json(inspect, target):
    done, seconds = read(inspect, target, "--json")
    if done.returncode != 0:
        fail(TEST, f"reading of {target.pid}: exit {done.returncode}: {done.stderr.strip()}")
    reading = json.loads(done.stdout)
    (obj,) = reading["objects"]
    # The thread names are the copies tests' subject; the states are this one's.
    threads = {t["tid"]: {k: v for k, v in t.items() if k != "name"} for t in obj["threads"]}
    return reading, threads, done.stderr, seconds


def expect_workers_read(target, threads, not_read):
    """Every thread not in not_read is listed and read: the workers' records
    carry their own TID, the main thread has none."""
    for tid in target.tids():
        if tid in not_read:
            continue
        got = threads.get(tid)
        if got is None:
            fail(TEST, f"thread {tid} not listed")
        if tid == target.pid:
            if got["state"] != "null":
                fail(TEST, f"main thread {tid}: {got}")
        elif got["state"] != "valid" or got["trace_id"] != trace_id(1, tid):
            fail(TEST, f"worker {tid}: {got}, expected trace {trace_id(1, tid)}")


def vfork_stuck(inspect, program):
    target = Target(TEST, program, 3, 2)
    reading, threads, stderr, seconds = read_json(inspect, target)
    for tid in target.stuck:
        if threads.get(tid) != {"tid": tid, "state": "unstoppable"}:
            fail(TEST, f"thread {tid} in vfork(): {threads.get(tid)}, expected unstoppable")
    if reading["threads_not_read"] != 2 or "2 thread(s) not read" not in stderr:
        fail(TEST, f"threads_not_read {reading['threads_not_read']}, stderr {stderr.strip()}")
    expect_workers_read(target, threads, target.stuck)
    expect_untraced(TEST, target, "after a reading")
    done, _ = read(inspect, target)
    for tid in target.stuck:
        if not thread_line(done.stdout, tid, "could not be stopped") or done.returncode != 0:
            fail(TEST, f"text reading: exit {done.returncode}, no 'thread {tid}: could not be "
                       f"stopped': {done.stdout}")
    expect_untraced(TEST, target, "after a text reading")
    target.close()
    print(f"inspect {TEST}: 2 threads in vfork(): unstoppable, 4 others read, exit 0 in "
          f"{seconds:.1f} s, none left traced")


def many_stuck(inspect, program):
    target = Target(TEST, program, 1, MANY_STUCK)
    reading, threads, _, seconds = read_json(inspect, target)
    unstoppable = {tid for tid, t in threads.items() if t["state"] == "unstoppable"}
    if unstoppable != target.stuck or reading["threads_not_read"] != MANY_STUCK:
        fail(TEST, f"{len(unstoppable)} unstoppable, threads_not_read "
                   f"{reading['threads_not_read']}, expected {MANY_STUCK}")
    if seconds > MANY_STUCK_SECONDS:
        fail(TEST, f"{MANY_STUCK} unstoppable threads took {seconds:.1f} s")
    expect_workers_read(target, threads, target.stuck)
    expect_untraced(TEST, target, f"after {MANY_STUCK} unstoppable threads")
    target.close()
    print(f"inspect {TEST}: {MANY_STUCK} unstoppable threads read in {seconds:.1f} s")


def wait_traced(target, reader):
    """Until some thread of target is traced (by the reader, as nothing else
    traces it): the reader is mid-reading."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline and reader.poll() is None:
        for tid in target.tids():
            try:
                with open(f"/proc/{target.pid}/task/{tid}/status") as f:
                    # TracerPid names the reader's tracer thread, not its PID.
                    if any(l.startswith("TracerPid:") and int(l.split()[1]) != 0 for l in f):
                        return
            except FileNotFoundError:
                continue
    fail(TEST, f"the reader never traced a thread (exit {reader.poll()})")


def signalled(inspect, program):
    target = Target(TEST, program, 3, SIGNALLED_STUCK)
    for sig in (signal.SIGINT, signal.SIGTERM):
        reader = subprocess.Popen([inspect, str(target.pid)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        wait_traced(target, reader)
        sent = time.monotonic()
        reader.send_signal(sig)
        status = reader.wait(timeout=PATIENCE)
        seconds = time.monotonic() - sent
        if status != 128 + sig:
            fail(TEST, f"{sig.name}: exit {status}, expected {128 + sig}: {reader.stderr.read()}")
        if seconds > SIGNAL_SECONDS:
            fail(TEST, f"{sig.name}: the reader took {seconds:.1f} s to end")
        reader.stderr.close()
        expect_untraced(TEST, target, f"after {sig.name}")
        print(f"inspect {TEST}: {sig.name} mid-reading: exit {status} {seconds:.2f} s later, "
              f"none left traced")
    target.close()


def crowd(inspect, program):
    target = Target(TEST, program, CROWD, 0)
    reading, threads, _, seconds = read_json(inspect, target)
    if len(threads) != CROWD + 1 or reading["threads_not_read"] != 0:
        fail(TEST, f"{len(threads)} threads listed of {CROWD + 1}, threads_not_read "
                   f"{reading['threads_not_read']}")
    expect_workers_read(target, threads, set())
    target.close()
    print(f"inspect {TEST}: {CROWD + 1} threads, all read in {seconds:.1f} s")


SEIZER = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_SEIZE = 0x4206
if libc.ptrace(PTRACE_SEIZE, int(sys.argv[1]), None, None) != 0:
    sys.exit(f"PTRACE_SEIZE: errno {ctypes.get_errno()}")
print("seized", flush=True)
sys.stdin.read()
"""


def traced(inspect, program):
    target = Target(TEST, program, 3, 0)
    victim = target.tids()[1]
    seizer = subprocess.Popen([sys.executable, "-c", SEIZER, str(victim)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        if seizer.stdout.readline().strip() != "seized":
            fail(TEST, f"could not seize thread {victim}: exit {seizer.wait()}")
        reading, threads, stderr, _ = read_json(inspect, target)
        expected = {"tid": victim, "state": "traced", "tracer": seizer.pid}
        if threads.get(victim) != expected:
            fail(TEST, f"thread {victim}: {threads.get(victim)}, expected {expected}")
        if reading["threads_not_read"] != 1 or "1 thread(s) not read (1 traced" not in stderr:
            fail(TEST, f"threads_not_read {reading['threads_not_read']}: {stderr.strip()}")
        expect_workers_read(target, threads, {victim})
        done, _ = read(inspect, target)
        line = f"traced by process {seizer.pid}: not read"
        if done.returncode != 0 or not thread_line(done.stdout, victim, line):
            fail(TEST, f"text reading: exit {done.returncode}, no {line!r}: {done.stdout}")
    finally:
        seizer.stdin.close()
        seizer.wait(timeout=PATIENCE)
    target.close()
    print(f"inspect {TEST}: a thread traced by process {seizer.pid}: 'traced', others read, "
          f"exit 0")


def main():
    inspect, program = sys.argv[1:3]
    if os.geteuid() != 0:
        fail(TEST, "needs root (it reads with ptrace and seizes a thread itself)")
    vfork_stuck(inspect, program)
    many_stuck(inspect, program)
    signalled(inspect, program)
    crowd(inspect, program)
    traced(inspect, program)


if __name__ == "__main__":
    main()
