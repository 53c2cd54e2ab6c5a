#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gdb, an independent out-of-process reader (TLS through libthread_db), reads
every thread's record of test_gdb_target and the process context payload;
protoc decodes the key map; each thread's attribute indexes must resolve to
the names and values that thread published.

Usage: gdb_key_names.py TARGET_PROGRAM PROTO_FILE WORK_DIR
"""
import os
import re
import shutil
import subprocess
import sys

from otel_ctx_mapping import find_header

THREADS = 3


def fail(message):
    print(f"gdb_key_names: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def run_gdb(pid, header, payload_file):
    commands = [
        "set pagination off",
        # Each thread with a record: its 28-byte header and 64 attribute bytes
        # (-s skips threads whose slot is NULL instead of stopping there).
        "thread apply all -s x/92xb *(unsigned char **)&otel_thread_ctx_v1",
        f"set $h = (unsigned long *){header}",
        f"dump binary memory {payload_file} $h[3] $h[3] + ((unsigned int *)$h)[3]",
    ]
    args = ["gdb", "--batch", "--nx", "-p", str(pid)]
    for command in commands:
        args += ["-ex", command]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or "No symbol" in done.stderr or not os.path.exists(payload_file):
        fail(f"gdb failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def records(gdb_output):
    """[bytes of each thread's record prefix] from the x/92xb dumps."""
    found, current = [], None
    for line in gdb_output.splitlines():
        if line.startswith("Thread "):
            current = bytearray()
            found.append(current)
        elif current is not None and re.match(r"^0x[0-9a-f]+:", line):
            current += bytes(int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})\b", line.split(":", 1)[1]))
    return [bytes(r) for r in found if r]


def key_map(payload_file, proto):
    decoded = subprocess.run(
        ["protoc", "--decode=otelctx.test.ProcessContext", "-I", os.path.dirname(proto), proto],
        stdin=open(payload_file, "rb"), capture_output=True, text=True)
    if decoded.returncode != 0:
        fail(f"protoc: {decoded.stderr}")
    tail = decoded.stdout.split("threadlocal.attribute_key_map", 1)[1]
    return re.findall(r'string_value: "([^"]*)"', tail)


def attributes(record):
    size = int.from_bytes(record[26:28], "little")
    data, pos, out = record[28:28 + size], 0, []
    while pos + 2 <= len(data):
        key, length = data[pos], data[pos + 1]
        out.append((key, data[pos + 2:pos + 2 + length].decode()))
        pos += 2 + length
    return out


def main():
    target, proto, work = sys.argv[1:4]
    for tool in ("gdb", "protoc"):
        if shutil.which(tool) is None:
            fail(f"{tool} not found")
    os.makedirs(work, exist_ok=True)
    proc = subprocess.Popen([target], stdout=subprocess.PIPE, text=True)
    try:
        if proc.stdout.readline().strip() != "ready":
            fail("target did not start")
        payload_file = os.path.join(work, "payload.bin")
        if os.path.exists(payload_file):
            os.remove(payload_file)
        header = find_header(proc.pid)
        if header is None:
            fail("no OTEL_CTX mapping")
        output = run_gdb(proc.pid, header, payload_file)
        names = key_map(payload_file, proto)
        seen = set()
        for record in records(output):
            if record[24] != 1:
                fail(f"record not valid: {record[:28].hex()}")
            t = record[16]
            resolved = {names[k]: v for k, v in attributes(record)}
            want = {"http.method": f"GET-{t}", "http.route": f"/route/{t}"}
            if resolved != want:
                fail(f"thread {t}: {resolved} != {want}")
            seen.add(t)
            print(f"gdb_key_names: thread {t}: {resolved}")
        if seen != set(range(1, THREADS + 1)):
            fail(f"threads with a record: {sorted(seen)}, expected 1..{THREADS}")
        print(f"gdb_key_names: {len(seen)} threads resolved through key map {names}")
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
