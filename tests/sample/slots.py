#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bpf_sample_slots: `otelctx-inspect sample` with two objects defining
otel_thread_ctx_v1 (libotelctx.so and a foreign writer, slots_writer.c,
its threads spinning). Shared (the foreign reference bound to
libotelctx.so's slot): one slot in "slots", both objects naming each
other, each record counted once, not once per object. Distinct
(RTLD_DEEPBIND): two slots, each record in its own object's. Sampled in
rounds until both records were seen (a deadline of ROUNDS rounds).

Usage: slots.py INSPECT SLOTS_WRITER FOREIGN_LIBRARY OTELCTX_LIBRARY
"""
import os
import sys

from sample_records import check_sums, fail, sample_json, skip_if_asked

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import writer_process  # noqa: E402

TEST = "bpf_sample_slots"
ROUNDS = 10
TRACES = {"otelctx": "0c0c" + "00" * 14, "foreign": "f0f0" + "00" * 14}


def check_round(result, binding, paths):
    check_sums(TEST, result)
    by_path = {os.path.realpath(o["object"]): o for o in result["objects"]}
    if sorted(by_path) != sorted(paths.values()):
        fail(TEST, f"{binding}: objects {sorted(by_path)}, expected {sorted(paths.values())}")
    ours, theirs = by_path[paths["otelctx"]], by_path[paths["foreign"]]
    if binding == "shared":
        one = len(result["slots"]) == 1 and ours["slot"] == theirs["slot"] and \
            ours["slot_shared_with"] == [theirs["object"]] and \
            theirs["slot_shared_with"] == [ours["object"]]
        if not one:
            fail(TEST, f"shared: not one slot of both objects: {result['slots']}, "
                       f"{result['objects']}")
    elif len(result["slots"]) != 2 or ours["slot"] == theirs["slot"] or \
            ours["slot_shared_with"] or theirs["slot_shared_with"]:
        fail(TEST, f"distinct: not two slots: {result['slots']}, {result['objects']}")
    found = [r["trace_id"] for r in result["records"]]
    if len(found) != len(set(found)) or not set(found) <= set(TRACES.values()):
        fail(TEST, f"{binding}: records {found}: each published one must appear once")
    for r in result["records"]:
        writer = "otelctx" if r["trace_id"] == TRACES["otelctx"] else "foreign"
        expected = paths[writer] if binding == "distinct" else \
            os.path.realpath(result["slots"][0]["objects"][0])
        if os.path.realpath(r["object"]) != expected:
            fail(TEST, f"{binding}: the {writer} record named {r['object']}, expected {expected}")
    return set(found)


def sample(inspect, writer, foreign, paths, binding):
    with writer_process.started([writer, binding, "both", foreign, "busy"]) as proc:
        if writer_process.thread_ids_until_ready(proc.stdout) is None:
            fail(TEST, f"slots_writer {binding} did not start: exit {proc.wait()}")
        seen = set()
        for _ in range(ROUNDS):
            status, result, err = sample_json(TEST, inspect, ["--seconds", "1"], proc.pid)
            if status != 0:
                fail(TEST, f"{binding}: exit {status}: {err.strip()}")
            seen |= check_round(result, binding, paths)
            if seen == set(TRACES.values()):
                break
        else:
            fail(TEST, f"{binding}: after {ROUNDS} rounds only {sorted(seen)} sampled")
        if writer_process.ended(proc) != 0:
            fail(TEST, f"slots_writer {binding} did not exit cleanly")
    print(f"{TEST}: {binding}: {len(result['slots'])} slot(s), each record counted once")


def main():
    skip_if_asked(TEST)
    inspect, writer, foreign, otelctx = sys.argv[1:5]
    paths = {"otelctx": os.path.realpath(otelctx), "foreign": os.path.realpath(foreign)}
    for binding in ("shared", "distinct"):
        sample(inspect, writer, foreign, paths, binding)


if __name__ == "__main__":
    main()
