#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""otelctx-inspect with two objects defining otel_thread_ctx_v1: libotelctx.so
and a foreign writer (slots_writer.c). Both objects are listed, text and
JSON, each with whether its slot is its own or shared (the foreign code
bound to libotelctx.so's slot is read there, and is the same slot);
--strict's one-slot breaks (status 7, both objects named) when records sit
in two distinct slots, in one thread or two, and passes with records in one
slot only, or in a slot the two objects share.

Usage: slots.py INSPECT WRITER FOREIGN_LIBRARY OTELCTX_LIBRARY
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import writer_process  # noqa: E402

OTELCTX_TRACE = "0c0c" + "00" * 14
FOREIGN_TRACE = "f0f0" + "00" * 14


def fail(message):
    print(f"inspect slots: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def read(inspect, writer, foreign, binding, who):
    """The JSON and text readings (both --strict) of the writer; the
    publishing thread of each writer."""
    with writer_process.started([writer, binding, who, foreign]) as proc:
        threads = {}
        for line in proc.stdout:
            words = line.split()
            if words[:1] == ["thread"]:
                threads.setdefault(words[2], []).append(int(words[1]))
            elif words == ["ready"]:
                break
        else:
            fail(f"writer {binding} {who} did not start: exit {proc.wait()}")
        readings = [subprocess.run([inspect, "--strict"] + extra + [str(proc.pid)],
                                   capture_output=True, text=True, timeout=120)
                    for extra in (["--json"], [])]
        if writer_process.ended(proc) != 0:
            fail(f"writer {binding} {who} did not exit cleanly")
    return readings[0], readings[1], threads


def broken(stderr):
    return sorted(set(re.findall(r"strict: ([a-z0-9-]+): ", stderr)))


def objects_by_path(reading, paths):
    """The reading's objects by which library they are ("otelctx", "foreign")."""
    found = {}
    for obj in reading["objects"]:
        for name, path in paths.items():
            if os.path.realpath(obj["path"]) == path:
                found[name] = obj
    if sorted(found) != ["foreign", "otelctx"] or len(reading["objects"]) != 2:
        fail(f"objects listed: {[o['path'] for o in reading['objects']]}")
    return found


def traces(obj):
    return {t["tid"]: t["trace_id"] for t in obj["threads"] if t["state"] == "valid"}


def distinct(inspect, writer, foreign, paths, who):
    as_json, as_text, threads = read(inspect, writer, foreign, "distinct", who)
    status_ok = (as_json.returncode == 7) if who in ("both", "same-thread") else \
        (as_json.returncode == 0)
    rules = broken(as_json.stderr)
    expected_rules = ["one-slot"] if who in ("both", "same-thread") else []
    if not status_ok or rules != expected_rules:
        fail(f"distinct {who}: exit {as_json.returncode}, rules {rules}: {as_json.stderr.strip()}")
    reading = json.loads(as_json.stdout)
    objs = objects_by_path(reading, paths)
    if any(o["slot_shared_with"] for o in objs.values()) or len(reading["slots"]) != 2 or \
            objs["otelctx"]["slot"] == objs["foreign"]["slot"]:
        fail(f"distinct {who}: not two distinct slots: {reading['slots']}")
    if traces(objs["otelctx"]) != {t: OTELCTX_TRACE for t in threads.get("otelctx", [])} or \
            traces(objs["foreign"]) != {t: FOREIGN_TRACE for t in threads.get("foreign", [])}:
        fail(f"distinct {who}: records {traces(objs['otelctx'])}, {traces(objs['foreign'])}, "
             f"published {threads}")
    if expected_rules:
        line = next(li for li in as_json.stderr.splitlines() if "strict: one-slot: " in li)
        named = [p for p in (objs["otelctx"]["path"], objs["foreign"]["path"]) if p in line]
        if len(named) != 2 or "records in 2 distinct slots" not in line:
            fail(f"distinct {who}: one-slot does not name both objects: {line}")
    for name in ("otelctx", "foreign"):
        if f"slot otel_thread_ctx_v1 in {objs[name]['path']} (a distinct slot)\n" \
                not in as_text.stdout:
            fail(f"distinct {who}: the text does not call {name}'s slot distinct: "
                 f"{as_text.stdout}")
    print(f"inspect slots: distinct, records from {who}: exit {as_json.returncode}, "
          f"rules {rules}")


def shared(inspect, writer, foreign, paths):
    as_json, as_text, threads = read(inspect, writer, foreign, "shared", "both")
    if as_json.returncode != 0 or broken(as_json.stderr):
        fail(f"shared: exit {as_json.returncode}: {as_json.stderr.strip()}")
    reading = json.loads(as_json.stdout)
    objs = objects_by_path(reading, paths)
    ours, theirs = objs["otelctx"], objs["foreign"]
    if ours["slot_shared_with"] != [theirs["path"]] or theirs["slot_shared_with"] != [ours["path"]] \
            or ours["slot"] != theirs["slot"] or len(reading["slots"]) != 1 \
            or reading["slots"][0]["threads_with_records"] != 2:
        fail(f"shared: not one slot of both objects: {reading['slots']}, "
             f"{ours['slot_shared_with']}, {theirs['slot_shared_with']}")
    # The foreign object's slot is where its code writes: libotelctx.so's.
    expected = {threads["otelctx"][0]: OTELCTX_TRACE, threads["foreign"][0]: FOREIGN_TRACE}
    if traces(ours) != expected or traces(theirs) != expected:
        fail(f"shared: records {traces(ours)}, {traces(theirs)}, published {threads}")
    said = f"slot otel_thread_ctx_v1 in {theirs['path']} (the same slot as {ours['path']})\n"
    if said not in as_text.stdout:
        fail(f"shared: no {said!r} in the text: {as_text.stdout}")
    print("inspect slots: shared (the foreign reference bound to libotelctx.so's slot): "
          "one slot, exit 0")


def main():
    inspect, writer, foreign, otelctx = sys.argv[1:5]
    paths = {"otelctx": os.path.realpath(otelctx), "foreign": os.path.realpath(foreign)}
    for who in ("both", "same-thread", "otelctx", "foreign"):
        distinct(inspect, writer, foreign, paths, who)
    shared(inspect, writer, foreign, paths)


if __name__ == "__main__":
    main()
