#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""otelctx-inspect's clear failures, each with its documented exit status,
and its promise never to leave a thread stopped:
  - usage errors (--count without --watch) -> 1
  - a process without otelctx            -> 4
  - no such process                      -> 2
  - no permission (as nobody, or PID 1)  -> 3
  - SIGINT/SIGTERM at random moments while reading a busy process: no thread
    of it is ever left stopped
(an exiting process -> 2: exiting.py)
  - check: real artifacts pass (0), a file without the slot and a non-ELF
    file fail (6)

Usage: errors.py INSPECT PUBLISHER LIBRARY STATIC_EXE
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import time


def fail(message):
    print(f"inspect errors: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)


def expect(what, done, status, text):
    if done.returncode != status or text not in done.stdout + done.stderr:
        fail(f"{what}: exit {done.returncode}, expected {status} with '{text}': "
             f"{done.stdout.strip()} {done.stderr.strip()}")
    print(f"inspect errors: {what}: exit {status}: {(done.stderr or done.stdout).strip()}")


def stopped_threads(pid):
    stopped = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        if state in ("t", "T"):
            stopped.append(tid)
    return stopped


def left_stopped(pid, patience=30.0):
    """Threads of pid still stopped after patience seconds: a thread the
    kernel is about to resume passes however slowly it gets the CPU, one
    left stopped fails."""
    deadline = time.monotonic() + patience
    while stopped_threads(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return stopped_threads(pid)


def unused_pid():
    """A PID no process can have: PIDs stay below pid_max."""
    with open("/proc/sys/kernel/pid_max") as f:
        return int(f.read())


def start_publisher(publisher):
    proc = subprocess.Popen([publisher], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        fail("publisher did not start")
    return proc


def main():
    inspect, publisher, library, static_exe = sys.argv[1:5]

    for tool in ("setpriv", "sleep"):
        if shutil.which(tool) is None:
            fail(f"{tool} not found (apt-get install util-linux coreutils)")
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        expect("usage error", run([inspect, "--count", "3", str(sleeper.pid)]), 1, "usage:")
        expect("process without otelctx", run([inspect, str(sleeper.pid)]), 4,
               "does not publish thread contexts")
        if os.geteuid() == 0:
            as_nobody = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                             inspect, str(sleeper.pid)])
        else:
            as_nobody = run([inspect, "1"])
        expect("no permission", as_nobody, 3, "run as")
    finally:
        sleeper.kill()
        sleeper.wait()
    expect("no such process", run([inspect, str(unused_pid())]), 2, "no process")

    proc = start_publisher(publisher)
    rng = random.Random(os.getpid())
    try:
        for round_ in range(30):
            watch = subprocess.Popen([inspect, "--watch", "0.001", str(proc.pid)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.0, 0.05))
            watch.send_signal(rng.choice([signal.SIGINT, signal.SIGTERM, signal.SIGHUP]))
            watch.wait(timeout=60)
            stopped = left_stopped(proc.pid)
            if stopped:
                fail(f"round {round_}: threads {stopped} left stopped")
        print("inspect errors: 30 readers interrupted by signals, no thread left stopped")
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)

    expect("check of the artifacts", run([inspect, "check", library, static_exe]), 0, "PASS")
    expect("check of a file without the slot", run([inspect, "check", "/bin/true"]), 6,
           "otel_thread_ctx_v1 is not in .dynsym")
    expect("check of a non-ELF file", run([inspect, "check", __file__]), 6, "not an ELF file")


if __name__ == "__main__":
    main()
