# SPDX-License-Identifier: Apache-2.0
"""Shared by the stop-path tests: stop_target started and ended, and what
/proc says of its threads (every wait on a line or a condition, with a
generous deadline)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import writer_process  # noqa: E402

PATIENCE = 60.0  # seconds: a deadline, not an expected duration


def fail(test, message):
    print(f"inspect {test}: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


class Target:
    """stop_target WORKERS STUCK: .pid, .stuck (the TIDs that cannot stop)."""

    def __init__(self, test, program, workers, stuck):
        self.test = test
        self.proc = subprocess.Popen([program, str(workers), str(stuck)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.pid = self.proc.pid
        self.stuck = set()
        for line in self.proc.stdout:
            if line.startswith("stuck "):
                self.stuck.add(int(line.split()[1]))
            elif line.strip() == "ready":
                break
        else:
            fail(test, f"stop_target {workers} {stuck} did not start: exit {self.proc.wait()}")

    def tids(self):
        return sorted(int(t) for t in os.listdir(f"/proc/{self.pid}/task"))

    def close(self):
        """Ends it: its vfork children see stdin close, the stuck threads
        resume, and it exits 0 (it would not if a thread stayed stopped)."""
        status = writer_process.ended(self.proc, PATIENCE)
        if status is None:
            fail(self.test, f"stop_target {self.pid} did not exit once stdin closed")
        if status != 0:
            fail(self.test, f"stop_target exited {status}")


def task_field(pid, tid, name):
    with open(f"/proc/{pid}/task/{tid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split()[1]
    return None


def traced_threads(pid):
    return {tid: int(task_field(pid, tid, "TracerPid"))
            for tid in os.listdir(f"/proc/{pid}/task") if int(task_field(pid, tid, "TracerPid"))}


def stopped_threads(pid):
    return [tid for tid in os.listdir(f"/proc/{pid}/task")
            if task_field(pid, tid, "State").lower() == "t"]


def expect_untraced(test, target, what):
    """No thread of target traced, none stopped (a thread the kernel is
    resuming gets PATIENCE seconds to run however loaded the machine is)."""
    traced = traced_threads(target.pid)
    if traced:
        fail(test, f"{what}: threads still traced (TID: tracer): {traced}")
    deadline = time.monotonic() + PATIENCE
    while stopped_threads(target.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    if stopped_threads(target.pid):
        fail(test, f"{what}: threads left stopped: {stopped_threads(target.pid)}")


def trace_id(generation, tid):
    """The trace id stop_target's worker TID publishes."""
    return f"{generation:02x}" * 12 + f"{tid:08x}"
