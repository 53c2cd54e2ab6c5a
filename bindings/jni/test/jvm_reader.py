#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""runtime_jvm: JVM platform threads publish through the JNI binding
(JvmPublisher.java) what this test tells them, one way each (update,
update then updateFlags, a prepared record attached and restored), one with
"/café/😀" (a value that modified UTF-8 would lose) and one key name that is
not ASCII; while they keep it, otelctx-inspect --strict --json reads the
process. Each thread, found by the native tid it printed (the OS thread of
its name, /proc/PID/task/TID/comm), must hold what it was told: ids, flags,
and attributes decoded here from value_hex, named through the published key
map; the inspector must name it as the JVM named it; the JVM's other
threads hold no record.

Usage: jvm_reader.py --inspect TOOL -- JAVA ARGS..."""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "tests"))
from writer_process import ended, started  # noqa: E402

# name, mode, trace id, span id, flags, attributes (key name, value)
THREADS = [
    ("otelctx-pub-0", "update", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1,
     [("http.route", "/café/😀"), ("http.method", "GET")]),
    ("otelctx-pub-1", "update-flags", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", 3,
     [("http.route", "/api/v1"), ("thread.role", "worker")]),
    ("otelctx-pub-2", "attach", "ffffffffffffffff0000000000000001", "8000000000000001", 1,
     [("clé.unicode", "naïve ☃"), ("http.method", "POST")]),
    ("otelctx-pub-3", "attach", "00000000000000000000000000000000", "0000000000000000", 0,
     [("thread.role", "idle")]),
]


def fail(message):
    print(f"runtime_jvm: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def spec_lines():
    for name, mode, trace_id, span_id, flags, attrs in THREADS:
        pairs = " ".join(f"{k.encode().hex()}={v.encode().hex()}" for k, v in attrs)
        yield f"thread {name} {mode} {trace_id} {span_id} {flags} {pairs}".rstrip()
    yield "end"


def published_tids(proc):
    """The tid each named thread printed, up to "ready"."""
    tids = {}
    for line in proc.stdout:
        words = line.split()
        if words == ["ready"]:
            return tids
        if words[:1] == ["thread"] and len(words) == 3:
            tids[words[2]] = int(words[1])
    fail(f"the JVM ended before it was ready (status {proc.wait()})")


def check_names(pid, tids):
    """Each printed tid is the thread of that name: the JVM gives its OS
    threads the Java thread's name (comm, 15 bytes at most)."""
    for name, tid in tids.items():
        with open(f"/proc/{pid}/task/{tid}/comm") as comm:
            got = comm.read().rstrip("\n")
        if got != name[:15]:
            fail(f"tid {tid} printed by {name} is the thread named {got!r}")


def decoded(thread, key_map):
    """What a reader shows of one thread: ids, flags, and each attribute as
    (key name from the key map, value from its bytes)."""
    attrs = []
    for a in thread["attributes"]:
        if a["index"] >= len(key_map):
            fail(f"thread {thread['tid']}: key index {a['index']} not in the key map {key_map}")
        attrs.append((key_map[a["index"]], bytes.fromhex(a["value_hex"]).decode()))
    return (thread["trace_id"], thread["span_id"], thread["trace_flags"], attrs)


def read(inspect, pid, tids):
    done = subprocess.run([inspect, "--strict", "--json", str(pid)], capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        fail(f"otelctx-inspect --strict exited {done.returncode}: {done.stderr.strip()}")
    reading = json.loads(done.stdout)
    key_map = reading["process_context"]["attribute_key_map"]
    if len(reading["objects"]) != 1:
        fail(f"{len(reading['objects'])} objects define the slot, expected libotelctx.so only")
    threads = {t["tid"]: t for t in reading["objects"][0]["threads"]}
    for name, _, trace_id, span_id, flags, attrs in THREADS:
        t = threads.get(tids[name])
        if t is None or t["state"] != "valid":
            fail(f"{name} (tid {tids[name]}): {t}")
        if t["name"] != name[:15]:
            fail(f"{name} (tid {tids[name]}): otelctx-inspect names it {t['name']!r}")
        want = (trace_id, span_id, flags, attrs)
        if decoded(t, key_map) != want:
            fail(f"{name} (tid {tids[name]}): read {decoded(t, key_map)}\n    published {want}")
    others = [t for tid, t in threads.items() if tid not in tids.values() and t["state"] != "null"]
    if others:
        fail(f"threads that published nothing hold records: {others}")
    return len(threads)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--inspect", required=True)
    parser.add_argument("java", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    java = args.java[1:] if args.java[:1] == ["--"] else args.java
    with started(java) as proc:
        proc.stdin.write("\n".join(spec_lines()) + "\n")
        proc.stdin.flush()
        tids = published_tids(proc)
        if sorted(tids) != sorted(t[0] for t in THREADS):
            fail(f"threads that printed their tid: {sorted(tids)}")
        check_names(proc.pid, tids)
        n = read(args.inspect, proc.pid, tids)
        status = ended(proc)
        if status != 0:
            fail(f"the JVM exited with status {status}")
    print(f"runtime_jvm: {len(THREADS)} platform threads of {n} read as published")


if __name__ == "__main__":
    main()
