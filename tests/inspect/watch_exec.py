#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""otelctx-inspect --watch follows a process through exec: stop_target
execs itself EXECS times while watched back to back (readings straddle the
exec); each time the watcher says on stderr "process PID executed PATH:
located again" and goes on reading the new program's records (their trace
ids carry the generation). When the process exits at last: exit 2, never
4 or 5.

Usage: watch_exec.py INSPECT STOP_TARGET
"""
import json
import os
import queue
import subprocess
import sys
import threading
import time

from target_util import PATIENCE, Target, fail, trace_id

TEST = "watch exec"
EXECS = 3


def lines_of(stream, into):
    for line in stream:
        into.put(line)
    into.put(None)


def next_line(lines, what):
    try:
        line = lines.get(timeout=PATIENCE)
    except queue.Empty:
        line = None
    if line is None:
        fail(TEST, f"the watcher stopped before {what}")
    return line


def wait_generation(target, out, generation):
    """Until a reading shows every worker publishing this generation."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        reading = json.loads(next_line(out, f"generation {generation}"))
        traces = [(t["tid"], t.get("trace_id")) for o in reading["objects"] for t in o["threads"]
                  if t["state"] == "valid"]
        if traces and all(trace == trace_id(generation, tid) for tid, trace in traces):
            return
    fail(TEST, f"no reading of generation {generation}")


def main():
    inspect, program = sys.argv[1:3]
    target = Target(TEST, program, 2, 0)
    path = os.readlink(f"/proc/{target.pid}/exe")
    watcher = subprocess.Popen([inspect, "--json", "--watch", "0.001", str(target.pid)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = queue.Queue(), queue.Queue()
    for stream, into in ((watcher.stdout, out), (watcher.stderr, err)):
        threading.Thread(target=lines_of, args=(stream, into), daemon=True).start()
    try:
        wait_generation(target, out, 1)
        for generation in range(2, EXECS + 2):
            target.proc.stdin.write("exec\n")
            target.proc.stdin.flush()
            wait_generation(target, out, generation)
        target.close()
        status = watcher.wait(timeout=PATIENCE)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    stderr = []
    while (line := err.get(timeout=PATIENCE)) is not None:
        stderr.append(line)
    located = [l for l in stderr if l == f"otelctx-inspect: process {target.pid} executed {path}: "
                                         "located again\n"]
    if len(located) != EXECS:
        fail(TEST, f"{len(located)} 'located again' lines for {EXECS} execs: {''.join(stderr)}")
    if status != 2 or "exited while it was read" not in "".join(stderr):
        fail(TEST, f"after the exit: exit {status}, expected 2: {''.join(stderr)}")
    print(f"inspect {TEST}: {EXECS} execs followed, each said once, exit 2 at the end")


if __name__ == "__main__":
    main()
