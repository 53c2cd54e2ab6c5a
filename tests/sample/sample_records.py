# SPDX-License-Identifier: Apache-2.0
"""Shared by the sampler's tests: the records sample_writer publishes
(derived from the seed here, as its header describes them, never from the
sampler's output), the writer and `otelctx-inspect sample` started and
ended. Every wait is on a line printed or an exit, with a generous deadline."""
import json
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import writer_process  # noqa: E402

PATIENCE = 120.0  # seconds: a deadline, not an expected duration
SKIP = 77
STARTED = "otelctx-inspect: sampling process "


def fail(test, message):
    print(f"{test}: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def skip_if_asked(test):
    if os.environ.get("OTELCTX_SKIP_BPF") == "1":
        print(f"{test}: skipped (OTELCTX_SKIP_BPF=1)")
        sys.exit(SKIP)


def record(seed, thread, variant):
    """The JSON record the sampler should report for this write."""
    s = seed.to_bytes(4, "big")
    trace = s + bytes([thread, variant]) + b"\x5a" * 10
    span = bytes([0xa5, thread, variant]) + s + b"\x01"
    attrs = [(0, "sample.thread", f"thread-{thread}"), (1, "sample.variant", f"v{variant}"),
             (7, None, "un\x1bnamed")]
    return {"trace_id": trace.hex(), "span_id": span.hex(), "trace_flags": variant,
            "attributes": [{"index": i, "key": k, "value": v, "value_hex": v.encode().hex()}
                           for i, k, v in attrs]}


def identity(r):
    """A record's published fields, as a hashable value."""
    return json.dumps({k: r[k] for k in ("trace_id", "span_id", "trace_flags", "attributes")},
                      sort_keys=True)


class Writer:
    """sample_writer THREADS SEED: .pid, .threads (the numbers publishing)."""

    def __init__(self, test, program, threads, seed):
        self.test, self.seed = test, seed
        self.proc = subprocess.Popen([program, str(threads), str(seed)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.pid = self.proc.pid
        self.threads = list(range(threads))
        if self.proc.stdout.readline().strip() != "ready":
            fail(test, f"sample_writer did not start: exit {self.proc.wait()}")

    def spawn(self):
        """One more writer thread; its number once it published."""
        self.proc.stdin.write("spawn\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "spawned":
            fail(self.test, f"sample_writer did not spawn a thread: {line}")
        self.threads.append(int(line[1]))
        return int(line[1])

    def published(self):
        """Every record it published so far, by identity."""
        return {identity(record(self.seed, t, v)): (t, v) for t in self.threads for v in (0, 1)}

    def close(self):
        status = writer_process.ended(self.proc, PATIENCE)
        if status is None:
            fail(self.test, f"sample_writer {self.pid} did not exit once stdin closed")
        if status != 0:
            fail(self.test, f"sample_writer exited {status}")


class Sampler:
    """otelctx-inspect sample ARGS... PID, killed past the deadline."""

    def __init__(self, test, inspect, args, pid):
        self.test = test
        self.proc = subprocess.Popen([inspect, "sample", *args, str(pid)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.watchdog = threading.Timer(PATIENCE, self.proc.kill)
        self.watchdog.start()
        self.stderr = ""

    def wait_started(self):
        """Returns once the sampler says it samples (its perf events are on)."""
        for line in self.proc.stderr:
            self.stderr += line
            if line.startswith(STARTED):
                return
        self.finish()
        fail(self.test, f"the sampler never started: exit {self.proc.returncode}: "
                        f"{self.stderr.strip()}")

    def finish(self):
        """(status, stdout, stderr) once it exited."""
        out, err = self.proc.communicate()
        self.watchdog.cancel()
        self.stderr += err
        return self.proc.returncode, out, self.stderr


def sample_json(test, inspect, args, pid, during=None):
    """Samples pid with --json; during() runs once sampling started.
    (status, the JSON object, stderr)."""
    s = Sampler(test, inspect, ["--json", *args], pid)
    s.wait_started()
    if during is not None:
        during()
    status, out, err = s.finish()
    if status == 8:
        fail(test, f"BPF is not available here: {err.strip()}")
    try:
        return status, json.loads(out), err
    except json.JSONDecodeError:
        fail(test, f"exit {status}, no JSON on stdout: {out[:200]!r}; stderr: {err.strip()}")


def check_sums(test, result):
    """samples = null + invalid + unreadable + the records' + dropped."""
    counted = (result["null"] + result["invalid"] + result["unreadable"] + result["dropped"] +
               result["records_over_cap"] + sum(r["samples"] for r in result["records"]))
    if counted != result["samples"]:
        fail(test, f"{result['samples']} samples, but the classes add up to {counted}")
    counts = [r["samples"] for r in result["records"]]
    if counts != sorted(counts, reverse=True):
        fail(test, f"records not sorted by samples: {counts}")
