#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""otelctx-inspect reading a process that exits: always status 2 with
"exited while it was read", never 4 (no slot), 3 (permission) or 5 (TLS),
which a process being torn down can look like.
  - a zombie publisher (exited, not reaped: its maps are empty, its threads
    gone): a single read and a --watch
  - a publisher that exits while --watch 0.01 reads it: WATCH_TRIES times,
    the exit requested after the first snapshot
  - a publisher that exits while --watch 0.001 reads it back to back:
    RACE_TRIES times, the exit requested after 1 to 4 snapshots, so that it
    lands at varying points of a reading

Every wait is on an event (a line printed, an exit), none on a clock.

Usage: exiting.py INSPECT PUBLISHER [WATCH_TRIES [RACE_TRIES]]
"""
import os
import random
import subprocess
import sys

EXITED = "exited while it was read"


def fail(message):
    print(f"inspect exiting: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def start_publisher(publisher):
    proc = subprocess.Popen([publisher], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        fail("publisher did not start")
    return proc


def expect_exited(what, status, stderr):
    if status != 2 or EXITED not in stderr:
        fail(f"{what}: exit {status}, expected 2 with '{EXITED}': {stderr.strip()}")


def zombie(inspect, publisher):
    proc = start_publisher(publisher)
    proc.stdin.close()
    # Wait for the exit but leave the process unreaped: a zombie.
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
    for args in ([], ["--watch", "0.01"]):
        done = subprocess.run([inspect, *args, str(proc.pid)], capture_output=True, text=True,
                              timeout=120)
        expect_exited(f"zombie {' '.join(args) or 'read'}", done.returncode, done.stderr)
    if proc.wait() != 0:
        fail(f"publisher exited {proc.returncode}")
    print("inspect exiting: a zombie publisher, read and watched: exit 2")


def watch_until_exit(inspect, publisher, interval, snapshots_first):
    """Starts a publisher and a --watch of it; after the watcher printed
    snapshots_first snapshots, lets the publisher exit. The watcher's
    status and stderr."""
    proc = start_publisher(publisher)
    watch = subprocess.Popen([inspect, "--json", "--watch", interval, str(proc.pid)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for n in range(snapshots_first):
            if not watch.stdout.readline():
                fail(f"--watch {interval} ended after {n} snapshots of a live process: "
                     f"exit {watch.wait()}: {watch.stderr.read().strip()}")
        proc.stdin.close()
        if proc.wait(timeout=120) != 0:
            fail(f"publisher exited {proc.returncode} while watched")
        watch.stdout.read()
        return watch.wait(timeout=120), watch.stderr.read()
    finally:
        for p in (watch, proc):
            if p.poll() is None:
                p.kill()
                p.wait()


def main():
    inspect, publisher = sys.argv[1:3]
    watch_tries = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    race_tries = int(sys.argv[4]) if len(sys.argv) > 4 else 100

    zombie(inspect, publisher)
    for i in range(watch_tries):
        status, stderr = watch_until_exit(inspect, publisher, "0.01", 1)
        expect_exited(f"--watch 0.01, try {i + 1}", status, stderr)
    print(f"inspect exiting: --watch 0.01 of an exiting publisher: exit 2 in {watch_tries} of "
          f"{watch_tries}")
    rng = random.Random(os.getpid())
    for i in range(race_tries):
        status, stderr = watch_until_exit(inspect, publisher, "0.001", rng.randint(1, 4))
        expect_exited(f"--watch 0.001, try {i + 1}", status, stderr)
    print(f"inspect exiting: --watch 0.001, exit after 1 to 4 snapshots: exit 2 in {race_tries} "
          f"of {race_tries}")


if __name__ == "__main__":
    main()
