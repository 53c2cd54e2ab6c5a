#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Reads the process context of a writer process from outside, through
/proc/PID/mem, following the OTEP 4719 reading protocol, while the writer
republishes thousands of times. Every read that passes the timestamp checks
must decode (with the small protobuf decoder below, independent of the
library's encoder) to one complete published version. The writer goes on
until this reader has MIN_CONSISTENT_READS (and at least VERSIONS versions
are out), however little CPU either gets; BUDGET_SECONDS only bounds a
reader that never succeeds. With INSPECT, otelctx-inspect --strict watches
the writer meanwhile (the readers' rules, timestamps rising across its
readings) and must find nothing broken.

Usage: process_ctx_reader.py WRITER_PROGRAM VERSIONS [INSPECT]
"""
import select
import struct
import subprocess
import sys
import time

from otel_ctx_mapping import find_header

MIN_CONSISTENT_READS = 100
BUDGET_SECONDS = 600


def fail(message):
    print(f"process_ctx_reader: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def varint(buf, pos):
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def fields(buf):
    """[(field number, bytes)] of a message whose fields are all length-delimited."""
    out, pos = [], 0
    while pos < len(buf):
        tag, pos = varint(buf, pos)
        if tag & 7 != 2:
            raise ValueError(f"unexpected wire type {tag & 7}")
        length, pos = varint(buf, pos)
        if pos + length > len(buf):
            raise ValueError("field runs past the end")
        out.append((tag >> 3, bytes(buf[pos:pos + length])))
        pos += length
    return out


def key_value(buf):
    f = dict(fields(buf))
    return f[1].decode(), fields(f[2])


def decode(payload):
    """The version a payload publishes; raises on anything malformed."""
    top = fields(payload)
    if [n for n, _ in top] != [1, 2, 2]:
        raise ValueError(f"ProcessContext fields {[n for n, _ in top]}")
    resource = fields(top[0][1])
    if len(resource) != 1:
        raise ValueError("resource must hold exactly one attribute")
    key, value = key_value(resource[0][1])
    if key != "version" or value[0][0] != 1:
        raise ValueError(f"resource attribute {key}")
    schema_key, schema = key_value(top[1][1])
    if schema_key != "threadlocal.schema_version" or schema != [(1, b"tlsdesc_v1_dev")]:
        raise ValueError("schema_version entry")
    map_key, key_map = key_value(top[2][1])
    names = [fields(v)[0][1] for _, v in fields(key_map[0][1])]
    if map_key != "threadlocal.attribute_key_map" or names != [b"http.method"]:
        raise ValueError("attribute_key_map entry")
    return int(value[0][1])


class Reader:
    def __init__(self, pid, header):
        self.mem = open(f"/proc/{pid}/mem", "rb", buffering=0)
        self.header = header
        self.consistent = self.retried = 0
        self.last = (0, -1)

    def read(self, addr, n):
        self.mem.seek(addr)
        return self.mem.read(n)

    def read_once(self):
        signature, version, size, ts, payload = struct.unpack(
            "<8sIIQQ", self.read(self.header, 32))
        if signature != b"OTEL_CTX" or version != 2:
            fail(f"bad header {signature!r} version {version}")
        if ts == 0:
            self.retried += 1
            return
        try:
            data = self.read(payload, size)
        except OSError:
            data = None
        (ts_again,) = struct.unpack("<Q", self.read(self.header + 16, 8))
        if ts_again != ts or data is None:
            self.retried += 1
            return
        try:
            published = decode(data)
        except (ValueError, KeyError, IndexError) as err:
            fail(f"read passed the timestamp checks but does not decode: {err}")
        if (ts, published) < self.last:
            fail(f"went back in time: {self.last} then {(ts, published)}")
        self.last = (ts, published)
        if published > 0:  # version 0 was published before "go": no race yet
            self.consistent += 1


def main():
    program, versions = sys.argv[1], int(sys.argv[2])
    writer = subprocess.Popen([program, str(versions)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    if writer.stdout.readline().strip() != "ready":
        fail("writer did not start")
    header = find_header(writer.pid)
    if header is None:
        fail(f"no OTEL_CTX mapping in /proc/{writer.pid}/maps")
    reader = Reader(writer.pid, header)
    writer.stdin.write("go\n")
    writer.stdin.flush()
    strict = None
    if len(sys.argv) > 3:
        strict = subprocess.Popen([sys.argv[3], "--strict", "--json", "--watch", "0.002",
                                   "--count", "30", str(writer.pid)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + BUDGET_SECONDS
    while reader.consistent < MIN_CONSISTENT_READS or (strict and strict.poll() is None):
        reader.read_once()
        if time.monotonic() > deadline:
            fail(f"only {reader.consistent} consistent reads ({reader.retried} retried) "
                 f"in {BUDGET_SECONDS} s")
    if strict is not None:
        if strict.returncode != 0:
            fail(f"otelctx-inspect --strict exited {strict.returncode}: {strict.stderr.read()}")
        print(f"process_ctx_reader: otelctx-inspect --strict, 30 readings while republishing: "
              f"{strict.stderr.read().strip().splitlines()[-1]}")
    writer.stdin.write("stop\n")
    writer.stdin.flush()
    while not select.select([writer.stdout], [], [], 0)[0]:
        reader.read_once()
    done = writer.stdout.readline().split()
    reader.read_once()
    writer.stdin.close()
    if writer.wait() != 0 or len(done) != 2 or done[0] != "done":
        fail(f"writer failed: {done}")
    last = int(done[1])
    if last < versions:
        fail(f"writer stopped at version {last}, before {versions}")
    if reader.last[1] != last:
        fail(f"last read saw version {reader.last[1]}, expected {last}")
    print(f"process_ctx_reader: {last} versions published, "
          f"{reader.consistent} consistent reads, {reader.retried} retried, 0 torn")


if __name__ == "__main__":
    main()
