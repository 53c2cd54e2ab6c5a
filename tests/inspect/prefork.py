#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A pre-fork server is readable in every worker: prefork_server forks
WORKERS workers after its keys and resource are published; each worker
looks its keys up and updates the record it inherited. otelctx-inspect
--strict --json reads the parent and every worker: each must exit 0, publish
the parent's resource and key map, and name its record's attributes with
the values that worker wrote.

Usage: prefork.py INSPECT PREFORK_SERVER
"""
import json
import os
import select
import subprocess
import sys
import time

WORKERS = 3
START_DEADLINE_S = 60
READ_TIMEOUT_S = 120
RESOURCE = {"service.name": "prefork", "service.version": "1.2.3"}
KEY_MAP = ["http.method", "http.route"]


def fail(message):
    print(f"inspect prefork: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def expected_attributes(w):
    route = "/master" if w == 0 else f"/worker/{w}"
    return [("http.method", f"GET-{w}"), ("http.route", route)]


def wait_for_lines(proc):
    """{w: pid} from the "worker W PID" lines and "parent PID" (w = 0)."""
    pids, buffer = {}, b""
    deadline = time.monotonic() + START_DEADLINE_S
    fd = proc.stdout.fileno()
    while len(pids) < WORKERS + 1:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            fail(f"{len(pids)} of {WORKERS + 1} ready lines within {START_DEADLINE_S} s")
        chunk = os.read(fd, 4096)
        if not chunk:
            fail(f"prefork_server closed its output after {len(pids)} ready lines")
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            words = line.decode().split()
            if len(words) == 3 and words[0] == "worker":
                pids[int(words[1])] = int(words[2])
            elif len(words) == 2 and words[0] == "parent":
                pids[0] = int(words[1])
            else:
                fail(f"unexpected line {line!r}")
    return pids


def check_reading(inspect, w, pid):
    who = "parent" if w == 0 else f"worker {w}"
    done = subprocess.run([inspect, "--strict", "--json", str(pid)], capture_output=True,
                          text=True, timeout=READ_TIMEOUT_S)
    if done.returncode != 0:
        fail(f"{who} (pid {pid}): exit {done.returncode}: {done.stderr.strip()}")
    reading = json.loads(done.stdout)
    context = reading.get("process_context")
    if not context:
        fail(f"{who}: no process context")
    if context.get("resource") != RESOURCE:
        fail(f"{who}: resource {context.get('resource')}, expected {RESOURCE}")
    if context.get("attribute_key_map") != KEY_MAP:
        fail(f"{who}: key map {context.get('attribute_key_map')}, expected {KEY_MAP}")
    records = [t for o in reading["objects"] for t in o["threads"] if t["state"] != "null"]
    if len(records) != 1 or records[0]["state"] != "valid":
        fail(f"{who}: expected one valid record, read {records}")
    named = [(a.get("key"), a.get("value")) for a in records[0]["attributes"]]
    if named != expected_attributes(w):
        fail(f"{who}: attributes {named}, expected {expected_attributes(w)}")
    print(f"inspect prefork: {who} (pid {pid}): {done.stderr.strip()}")


def main():
    inspect, server = sys.argv[1:3]
    proc = subprocess.Popen([server, str(WORKERS)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    try:
        pids = wait_for_lines(proc)
        for w in sorted(pids):
            check_reading(inspect, w, pids[w])
    finally:
        proc.stdin.close()
        status = proc.wait(timeout=READ_TIMEOUT_S)
    if status != 0:
        fail(f"prefork_server exited {status}")
    print(f"inspect prefork: parent and {WORKERS} workers read with --strict")


if __name__ == "__main__":
    main()
