#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""otelctx-inspect's command line is strict: every malformed or out-of-range
value is exit 1 with one line on stderr and nothing read. --watch takes a
finite number of seconds in (0, 86400], --count a whole number in
[1, 10^9], the PID a whole number in [1, 4194304]; a PID that once wrapped
(the target's PID + 2^32) names nothing. Valid extremes work.

Usage: command_line.py INSPECT STOP_TARGET
"""
import json
import subprocess
import sys

from target_util import PATIENCE, Target, fail

TEST = "command line"


def run(inspect, args):
    return subprocess.run([inspect, *args], capture_output=True, text=True, timeout=PATIENCE)


def expect_refused(inspect, args):
    done = run(inspect, args)
    lines = done.stderr.splitlines()
    if done.returncode != 1 or len(lines) != 1 or done.stdout:
        fail(TEST, f"{args}: exit {done.returncode}, {len(lines)} stderr lines, stdout "
                   f"{done.stdout[:80]!r}: expected exit 1 and one line: {done.stderr.strip()}")


def main():
    inspect, program = sys.argv[1:3]
    target = Target(TEST, program, 1, 0)
    pid = str(target.pid)
    refused = [["--watch", v, pid] for v in
               ("nan", "inf", "-inf", "1e300", "-1", "0", "0.0", "abc", "1x", "", " 1", "86400.5")]
    refused += [["--watch", "1", "--count", c, pid] for c in
                ("0", "x", "-1", "1.5", "1000000001", "99999999999999999999", "")]
    refused += [[p] for p in ("4294967297", str(target.pid + 2**32), "-1", "0", "1x", "4194305",
                              "", "+1", " 1")]
    refused += [["--count", "3", pid], ["--bogus", pid], ["--json"], ["--watch", pid]]
    for args in refused:
        expect_refused(inspect, args)
    print(f"inspect {TEST}: {len(refused)} malformed command lines: exit 1, one line each")

    done = run(inspect, ["--json", "--watch", "0.01", "--count", "3", pid])
    if done.returncode != 0 or [json.loads(l)["pid"] for l in done.stdout.splitlines()] != [
            target.pid] * 3:
        fail(TEST, f"--watch 0.01 --count 3: exit {done.returncode}: {done.stderr.strip()}")
    # The largest interval, once: one reading and no pause after it.
    done = run(inspect, ["--json", "--watch", "86400", "--count", "1", pid])
    if done.returncode != 0 or len(done.stdout.splitlines()) != 1:
        fail(TEST, f"--watch 86400 --count 1: exit {done.returncode}: {done.stderr.strip()}")
    target.close()
    print(f"inspect {TEST}: --watch 0.01 --count 3 and --watch 86400 --count 1: exit 0")


if __name__ == "__main__":
    main()
