#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""otelctx-inspect with several objects defining otel_thread_ctx_v1:
libotelctx.so and a foreign writer (slots_writer.c), and in
slots_writer_interposed the executable too, whose exported definition
interposes libotelctx.so's. Every object is listed, text and JSON, with
whether its slot is its own or shared: an object whose reference the
dynamic linker bound to another's definition is read where its code writes,
and is one slot with it. --strict's one-slot breaks (status 7, the objects
of both slots named) when records sit in two distinct slots, in one thread
or two, and passes with records in one slot only, or in a slot the objects
share.

Usage: slots.py INSPECT WRITER INTERPOSED_WRITER FOREIGN_LIBRARY OTELCTX_LIBRARY
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import writer_process  # noqa: E402

TRACES = {"otelctx": "0c0c" + "00" * 14, "foreign": "f0f0" + "00" * 14}


def fail(message):
    print(f"inspect slots: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def read(inspect, writer, foreign, binding, who):
    """The JSON and text readings (both --strict) of the writer; the
    publishing threads of each writer ("otelctx", "foreign")."""
    with writer_process.started([writer, binding, who, foreign]) as proc:
        threads = {"otelctx": [], "foreign": []}
        for line in proc.stdout:
            words = line.split()
            if words[:1] == ["thread"]:
                threads[words[2]].append(int(words[1]))
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


def in_order(by_name, group, but=None):
    """The paths of the group's objects in the order the reading lists them."""
    return [o["path"] for o in by_name.values() if o["name"] in group and o["name"] != but]


def check_slots(what, reading, text, paths, groups):
    """The objects are those of paths, grouped into slots as groups says
    (lists of names of paths), in JSON and in the text."""
    by_name = {}
    for obj in reading["objects"]:
        names = [n for n, p in paths.items() if os.path.realpath(obj["path"]) == p]
        if len(names) != 1:
            fail(f"{what}: an object not expected: {obj['path']}")
        by_name[names[0]] = dict(obj, name=names[0])
    if sorted(by_name) != sorted(paths):
        fail(f"{what}: objects {sorted(by_name)}, expected {sorted(paths)}")
    slots = sorted(sorted(os.path.realpath(p) for p in s["objects"]) for s in reading["slots"])
    if slots != sorted(sorted(paths[n] for n in g) for g in groups):
        fail(f"{what}: slots {reading['slots']}, expected {groups}")
    for group in groups:
        for name in group:
            obj = by_name[name]
            others = sorted(by_name[n]["path"] for n in group if n != name)
            if sorted(obj["slot_shared_with"]) != others or \
                    {by_name[n]["slot"] for n in group} != {obj["slot"]}:
                fail(f"{what}: {name} shares its slot with {obj['slot_shared_with']}, "
                     f"expected {others}")
            said = (f" (the same slot as {', '.join(in_order(by_name, group, name))})"
                    if others else " (a distinct slot)")
            if f"slot otel_thread_ctx_v1 in {obj['path']}{said}\n" not in text:
                fail(f"{what}: no {obj['path']}{said} in the text: {text}")
    return by_name


def check_records(what, reading, by_name, groups, threads):
    """Each writer's record is in every object of its slot, and only there;
    each slot counts its threads with a record once."""
    for slot in reading["slots"]:
        names = {n for n, o in by_name.items() if o["path"] in slot["objects"]}
        tids = {tid for writer in TRACES if writer in names for tid in threads[writer]}
        if slot["threads_with_records"] != len(tids):
            fail(f"{what}: slot {slot} counts {slot['threads_with_records']} threads with a "
                 f"record, published in {sorted(tids)}")
    for name, obj in by_name.items():
        group = next(g for g in groups if name in g)
        expected = {tid: TRACES[writer] for writer in TRACES for tid in threads[writer]
                    if writer in group}
        found = {t["tid"]: t["trace_id"] for t in obj["threads"] if t["state"] == "valid"}
        if found != expected:
            fail(f"{what}: records of {name}'s slot {found}, expected {expected}")


def reading(inspect, writer, foreign, paths, binding, who, groups):
    what = f"{os.path.basename(writer)} {binding} {who}"
    as_json, as_text, threads = read(inspect, writer, foreign, binding, who)
    slots_with_records = {i for i, g in enumerate(groups) for w in TRACES
                          if threads[w] and w in g}
    expected = ["one-slot"] if len(slots_with_records) > 1 else []
    rules = broken(as_json.stderr)
    if as_json.returncode != (7 if expected else 0) or rules != expected:
        fail(f"{what}: exit {as_json.returncode}, rules {rules}: {as_json.stderr.strip()}")
    parsed = json.loads(as_json.stdout)
    by_name = check_slots(what, parsed, as_text.stdout, paths, groups)
    check_records(what, parsed, by_name, groups, threads)
    if expected:
        line = next(li for li in as_json.stderr.splitlines() if "strict: one-slot: " in li)
        slots = [" = ".join(in_order(by_name, g)) for g in groups]
        if "records in 2 distinct slots" not in line or not all(s in line for s in slots):
            fail(f"{what}: one-slot does not name the slots {slots}: {line}")
    print(f"inspect slots: {what}: {len(groups)} slot(s), exit {as_json.returncode}, "
          f"rules {rules}")


def main():
    inspect, writer, interposed, foreign, otelctx = sys.argv[1:6]
    paths = {"otelctx": os.path.realpath(otelctx), "foreign": os.path.realpath(foreign)}
    for who in ("both", "same-thread", "otelctx", "foreign"):
        reading(inspect, writer, foreign, paths, "distinct", who, [["otelctx"], ["foreign"]])
    # The foreign reference bound to libotelctx.so's definition (global scope).
    reading(inspect, writer, foreign, paths, "shared", "both", [["otelctx", "foreign"]])
    # The executable's definition interposes libotelctx.so's, and without
    # RTLD_DEEPBIND the foreign writer's too.
    paths["executable"] = os.path.realpath(interposed)
    reading(inspect, interposed, foreign, paths, "distinct", "both",
            [["executable", "otelctx"], ["foreign"]])
    reading(inspect, interposed, foreign, paths, "shared", "both",
            [["executable", "otelctx", "foreign"]])


if __name__ == "__main__":
    main()
