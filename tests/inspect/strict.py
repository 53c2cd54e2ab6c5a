#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""otelctx-inspect --strict names every rule a real reader applies: a
process that breaks one rule (strict_violator MODE) gives status 7 and a
"strict: RULE:" line for exactly that rule; the clean process gives 0. The
timestamp rule needs two readings: --watch runs until the violator, told
after the first reading to lower its timestamp, is caught. A payload
pointer that cannot be read is named as such, not as a context that kept
changing; a context larger than the tool keeps is shown with a warning. A
key index the key map lacks is still shown: text "#7", JSON "key": null.

Usage: strict.py INSPECT VIOLATOR BAD_SLOT_LIBRARY
"""
import json
import os
import re
import signal
import subprocess
import sys

RULES = ["mapping-name", "one-process-context", "mapping-not-executable", "header-version",
         "payload-size", "schema-version", "threadlocal-once", "schema-present", "key-names",
         "slot-size", "record-ids", "record-flags", "record-entries", "record-utf8",
         "record-size", "record-keys", "schema-published"]
IMPLIED = {"mapping-name": {"one-process-context"}, "header-version": {"schema-published"},
           "payload-size": {"schema-present", "record-keys"}}


def fail(message):
    print(f"inspect strict: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def start(violator, mode, bad_slot):
    proc = subprocess.Popen([violator, mode, bad_slot], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        fail(f"violator {mode} did not start")
    return proc


def stop(proc):
    proc.stdin.close()
    if proc.wait(timeout=120) != 0:
        fail(f"violator exited {proc.returncode}")


def broken_rules(stderr):
    return sorted(set(re.findall(r"strict: ([a-z0-9-]+): ", stderr)))


def one_reading(inspect, violator, bad_slot, mode):
    proc = start(violator, mode, bad_slot)
    try:
        done = subprocess.run([inspect, "--strict", "--json", str(proc.pid)],
                              capture_output=True, text=True, timeout=120)
    finally:
        stop(proc)
    return done.returncode, broken_rules(done.stderr), done.stderr


def timestamp(inspect, violator, bad_slot):
    proc = start(violator, "clean", bad_slot)
    try:
        watch = subprocess.Popen([inspect, "--strict", "--json", "--watch", "0.01", str(proc.pid)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not watch.stdout.readline():
            fail(f"no first reading: {watch.stderr.read()}")
        os.kill(proc.pid, signal.SIGUSR1)
        watch.stdout.read()
        status, stderr = watch.wait(timeout=120), watch.stderr.read()
    finally:
        stop(proc)
    if status != 7 or broken_rules(stderr) != ["timestamp-increases"]:
        fail(f"lowered timestamp: exit {status}, rules {broken_rules(stderr)}: {stderr.strip()}")
    print("inspect strict: timestamp-increases: caught on the reading after it went back")


def unreadable_payload(inspect, violator, bad_slot):
    status, rules, stderr = one_reading(inspect, violator, bad_slot, "payload-unreadable")
    said = re.search(r"process context of process \d+: payload at 0x[0-9a-f]+ cannot be read\n",
                     stderr)
    if status != 7 or rules != ["schema-published"] or not said or "changing" in stderr:
        fail(f"unreadable payload: exit {status}, rules {rules}: {stderr.strip()}")
    print("inspect strict: unreadable payload: named, schema-published reported")


def over_limits(inspect, violator, bad_slot):
    """70 resource attributes, 300 key names, a 300-byte value (the
    violator's over-limits): what the tool does not keep, it says."""
    proc = start(violator, "over-limits", bad_slot)
    try:
        done = subprocess.run([inspect, "--strict", str(proc.pid)], capture_output=True,
                              text=True, timeout=120)
    finally:
        stop(proc)
    warning = (f"otelctx-inspect: warning: process context of process {proc.pid}: not shown: "
               f"{70 - 64} resource attribute(s) after the first 64, {300 - 256} key name(s) "
               f"after the first 256; 1 string(s) shown cut (at 255 bytes or at a NUL byte)\n")
    if done.returncode != 0 or warning not in done.stderr:
        fail(f"over limits: exit {done.returncode}, no {warning!r} in: {done.stderr.strip()}")
    if " 255=k255\n" not in done.stdout or " res.63=v\n" not in done.stdout:
        fail("over limits: the first 256 keys and 64 resource attributes not shown")
    print("inspect strict: over the inspector's limits: said, the rest shown")


def unknown_key(inspect, violator, bad_slot):
    """The record-keys violator's attribute: index 7, a key map of 2."""
    proc = start(violator, "record-keys", bad_slot)
    try:
        text, as_json = (subprocess.run([inspect] + extra + [str(proc.pid)], capture_output=True,
                                        text=True, timeout=120) for extra in ([], ["--json"]))
    finally:
        stop(proc)
    if '      #7 = "GET"\n' not in text.stdout:
        fail(f"unknown key: no '#7 = \"GET\"' in the text: {text.stdout}")
    reading = json.loads(as_json.stdout)
    attributes = [t.get("attributes") for o in reading["objects"] for t in o["threads"]
                  if t["state"] == "valid"]
    if attributes != [[{"index": 7, "key": None, "value": "GET", "value_hex": "474554"}]]:
        fail(f"unknown key: JSON attributes {attributes}")
    print("inspect strict: unknown key index: shown as #7, JSON key null")


def main():
    inspect, violator, bad_slot = sys.argv[1:4]
    status, rules, stderr = one_reading(inspect, violator, bad_slot, "clean")
    if status != 0 or rules:
        fail(f"clean process: exit {status}, rules {rules}: {stderr.strip()}")
    print(f"inspect strict: clean: {stderr.strip().splitlines()[-1]}")
    for rule in RULES:
        status, rules, stderr = one_reading(inspect, violator, bad_slot, rule)
        if status != 7 or rule not in rules:
            fail(f"{rule}: exit {status}, rules {rules}: {stderr.strip()}")
        # What follows from the break is allowed: a badly named mapping is also a
        # second one; a header readers refuse leaves no readable context, an empty
        # payload no schema and no key map.
        extra = set(rules) - {rule} - IMPLIED.get(rule, set())
        if extra:
            fail(f"{rule}: also reported {sorted(extra)}: {stderr.strip()}")
        print(f"inspect strict: {rule}: exit 7, reported")
    timestamp(inspect, violator, bad_slot)
    unreadable_payload(inspect, violator, bad_slot)
    over_limits(inspect, violator, bad_slot)
    unknown_key(inspect, violator, bad_slot)


if __name__ == "__main__":
    main()
