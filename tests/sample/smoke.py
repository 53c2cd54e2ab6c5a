#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bpf_sample_smoke: `otelctx-inspect sample` on a busy writer reports what
it published. sample_writer's threads switch between two records each (from
a seed chosen here), one thread spins with no record, and one more writer
thread starts once sampling has begun. Sampled in rounds until every
published record, a NULL slot and the late thread were seen (a deadline of
ROUNDS rounds, not a time): every record reported must be one published,
with its attributes named from the key map (index 7 has no name, and an
ESC in its value the text output escapes), its slot
in libotelctx, the counts adding up, and the writer's own code among the
objects running at the samples. Then once as text.

Usage: smoke.py INSPECT SAMPLE_WRITER LIBOTELCTX
"""
import os
import random
import re
import sys

from sample_records import (Sampler, Writer, check_sums, fail, identity, record, sample_json,
                            skip_if_asked)

TEST = "bpf_sample_smoke"
THREADS = 3
ROUNDS = 10
MODELS = {"tlsdesc-static", "tlsdesc-dynamic", "initial-exec", "local-exec", "general-dynamic"}


def check_round(result, writer, library):
    check_sums(TEST, result)
    if result["pid"] != writer.pid or result["hz"] != 999:
        fail(TEST, f"pid/hz reported {result['pid']}/{result['hz']}, sampled {writer.pid}/999")
    published = writer.published()
    for r in result["records"]:
        if identity(r) not in published:
            fail(TEST, f"a record that was never published: {r}")
        if os.path.realpath(r["object"]) != library:
            fail(TEST, f"record found in {r['object']}, the slot is {library}'s")
    objects = result["objects"]
    if len(objects) != 1 or os.path.realpath(objects[0]["object"]) != library or \
            objects[0]["model"] not in MODELS or objects[0]["slot_only_in_symtab"]:
        fail(TEST, f"objects: {objects}, expected {library} alone, exported")
    running = {os.path.realpath(o["object"]) if o["object"] else None: o["samples"]
               for o in result["ip_objects"]}
    exe = os.path.realpath(f"/proc/{writer.pid}/exe")
    if sum(running.values()) == 0 or exe not in running:
        fail(TEST, f"the writer's own code ({exe}) is not among the code sampled: {running}")
    return {published[identity(r)] for r in result["records"]}


def sample_rounds(inspect, writer, library):
    seen, nulls, late_seen = set(), 0, False
    for n in range(ROUNDS):
        late = []
        status, result, err = sample_json(TEST, inspect, ["--hz", "999", "--seconds", "2"],
                                          writer.pid, lambda: late.append(writer.spawn()))
        if status != 0:
            fail(TEST, f"exit {status}: {err.strip()}")
        found = check_round(result, writer, library)
        seen |= found
        nulls += result["null"]
        late_seen |= any(t == late[0] for t, _ in found)
        wanted = {(t, v) for t in range(THREADS) for v in (0, 1)}
        print(f"round {n + 1}: {result['samples']} samples, {len(result['records'])} records, "
              f"null {result['null']}, invalid {result['invalid']}, "
              f"unreadable {result['unreadable']}, dropped {result['dropped']}")
        if wanted <= seen and nulls > 0 and late_seen:
            return
    fail(TEST, f"after {ROUNDS} rounds: records never seen {sorted(wanted - seen)}, "
               f"{nulls} NULL samples, thread started while sampled seen: {late_seen}")


def check_text(inspect, writer):
    s = Sampler(TEST, inspect, ["--seconds", "1"], writer.pid)
    s.wait_started()
    status, out, err = s.finish()
    if status != 0:
        fail(TEST, f"text: exit {status}: {err.strip()}")
    lines = out.splitlines()
    if not lines or not lines[0].startswith(f"process {writer.pid} (sample_writer): "):
        fail(TEST, f"text: header {lines[:1]}")
    traces = {record(writer.seed, t, v)["trace_id"] for t in writer.threads for v in (0, 1)}
    rows = [m.group(1) for m in (re.match(r"\s*\d+\s+[\d.]+%\s+([0-9a-f]{32})\s", line)
                                 for line in lines) if m]
    if not rows or not set(rows) <= traces:
        fail(TEST, f"text: trace ids {rows}, published {sorted(traces)}")
    if "\x1b" in out or '#7="un\\x1bnamed"' not in out:
        fail(TEST, f"text: the ESC of attribute 7 not escaped as \\x1b: {out!r}")
    for word in ("null", "invalid", "unreadable"):
        if not any(re.match(rf"\s*\d+\s+[\d.]+%\s+{word} ", line) for line in lines):
            fail(TEST, f"text: no '{word}' line in {out!r}")


def main():
    skip_if_asked(TEST)
    inspect, program, library = sys.argv[1], sys.argv[2], os.path.realpath(sys.argv[3])
    seed = random.getrandbits(32)
    print(f"seed {seed}")
    writer = Writer(TEST, program, THREADS, seed)
    try:
        sample_rounds(inspect, writer, library)
        check_text(inspect, writer)
    finally:
        writer.close()
    print(f"{TEST}: ok")


main()
