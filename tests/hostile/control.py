#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Hostile targets against otelctx-inspect's control of a process: stopping,
signals, threads, objects, exec, command line. One case per run:
  unstoppable N      N threads waiting in vfork() for a child that never
                     execs (unstoppable_vfork): exit 0 in bounded time, each
                     reported "could not be stopped" / "unstoppable", the
                     other threads read, nothing left stopped or traced,
                     the vfork threads still waiting (nothing killed)
  sigint, sigterm    the signal to a --watch stuck on such threads: exit 130
                     / 143 promptly, the target running and untraced
  traced MODE        a thread seized (MODE seize) or held stopped (MODE stop)
                     by another process (tracer_holder): exit 0, "traced by
                     process N", never "run as root", the holder keeps it
  stopped            a process stopped by SIGSTOP: read, and left stopped
  churn              threads created and joined without end (thread_churn):
                     20 readings, exit 0, the two lasting records in each
  signals            real-time signals queued to a thread while --watch stops it
                     (queued_signals): every one delivered, none dropped
  threads N          N threads (more than 4096), each with its record: all read
  objects LIB N      N copies of LIB (libotelctx.so; more than 8) dlopen'ed,
                     each with a record: every one in "objects", read
  exec               a process re-executing itself under --watch: followed,
                     "executed ... located again", the new records, exit 0
  command-line       bad --watch, --count and PID values: exit 1, one line,
                     nothing read; --watch 86400 --count 1: one reading, no wait

Targets run as nobody (the attacks need no privilege; the tracer holder
too), in their own session, killed with their group at the end whatever
happened. Every wait is for a line or a condition, with a deadline.

Usage: control.py CASE INSPECT TARGET [ARGUMENT...]
  (unstoppable N | traced HOLDER MODE | threads N | objects LIB N)
"""
import contextlib
import ctypes
import errno
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from text_output import thread_line  # noqa: E402
from runnable import environment, runnable  # noqa: E402

NOBODY = 65534
DEADLINE = 60.0           # any single wait: generous for sanitized builds on loaded cores
MANY_UNSTOPPABLE_BOUND = 20.0  # "a few seconds" for hundreds of unstoppable threads, loaded
PROMPT = 5.0              # from SIGINT/SIGTERM to exit; far below 1 s per stuck thread
QUEUED_SIGNAL_READINGS = 100  # each a chance to stop the thread with a signal pending
COMMAND_LINE_DEADLINE = 20.0  # a command-line error reads nothing: a hang shows within this
LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.sigqueue.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
SANITIZER_MARKS = ("runtime error", "AddressSanitizer", "LeakSanitizer")
INSPECT_ENV = dict(os.environ,
                   ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
                   UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")


class Fail(Exception):
    pass


def as_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


class Lines:
    """Lines of a pipe, each waited for with a deadline."""

    def __init__(self, stream):
        self.fd = stream.fileno()
        self.buffer = b""
        self.eof = False

    def next(self, what, timeout=DEADLINE):
        """The next line, or None at end of file."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer and not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail(f"no {what} within {timeout:.0f} s")
            if select.select([self.fd], [], [], left)[0]:
                chunk = os.read(self.fd, 1 << 16)
                self.eof = not chunk
                self.buffer += chunk
        if not self.buffer:
            return None
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode(errors="replace")


@contextlib.contextmanager
def started(argv, what, cwd=None):
    """A process (as nobody, its own session) and its stdout lines; its
    whole process group killed on the way out."""
    argv = [runnable(argv[0]), *argv[1:]]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cwd,
                            env=environment(), start_new_session=True, preexec_fn=as_nobody)
    try:
        yield proc, Lines(proc.stdout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdin.close()
        proc.stdout.close()


def ready(proc, lines, what):
    line = lines.next(f"ready line from {what}")
    if line is None or not line.startswith("ready"):
        raise Fail(f"{what} did not start (exit {proc.poll()}): {line!r}")
    return line.split()[1:]


def stop(process):
    """Kills process if it still runs (a case that failed midway)."""
    if process.poll() is None:
        process.kill()
        process.wait()


def checked_stderr(file):
    """What an inspector wrote to file, with no sanitizer report in it."""
    stderr = read_all(file)
    check_sanitizers(stderr)
    return stderr


def read_all(file):
    """What a process wrote to file (its stderr), as text."""
    file.seek(0)
    return file.read().decode(errors="replace")


def check_sanitizers(stderr):
    for mark in SANITIZER_MARKS:
        if mark in stderr:
            raise Fail(f"sanitizer report ({mark}):\n{stderr}")


def inspect(tool, *args, deadline=DEADLINE):
    """Runs otelctx-inspect under the deadline: (status, stdout, stderr, seconds)."""
    begin = time.monotonic()
    try:
        done = subprocess.run([tool, *args], capture_output=True, text=True, errors="replace",
                              timeout=deadline, env=INSPECT_ENV)
    except subprocess.TimeoutExpired as e:
        raise Fail(f"otelctx-inspect {' '.join(args)}: no exit within {deadline:.0f} s (hang); "
                   f"stderr: {(e.stderr or b'').decode(errors='replace').strip()}") from None
    elapsed = time.monotonic() - begin
    check_sanitizers(done.stderr)
    return done.returncode, done.stdout, done.stderr, elapsed


def expect_status(args, status, expected, stderr):
    if status != expected:
        raise Fail(f"otelctx-inspect {' '.join(args)}: exit {status}, expected {expected}: "
                   f"{stderr.strip()}")


def tasks(pid):
    return sorted(int(tid) for tid in os.listdir(f"/proc/{pid}/task"))


def task_state(pid, tid):
    with open(f"/proc/{pid}/task/{tid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def tracer(pid, tid):
    with open(f"/proc/{pid}/task/{tid}/status") as f:
        for line in f:
            if line.startswith("TracerPid:"):
                return int(line.split()[1])
    raise Fail(f"no TracerPid for thread {tid}")


def wait_for(condition, what, timeout=DEADLINE):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise Fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.005)


def thread_view(pid):
    """{tid: (state, TracerPid)} of the threads of pid, those that vanish
    while looked at left out."""
    view = {}
    for tid in tasks(pid):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            view[tid] = (task_state(pid, tid), tracer(pid, tid))
    return view


def expect_untouched(pid, stopped_ok=(), state=None):
    """Every thread of pid untraced and, but for stopped_ok, not in a
    stop (a thread being let go is given the deadline to run again); with
    state, every thread in exactly that state instead."""
    def left_stopped():
        return [t for t, (s, _) in thread_view(pid).items() if t not in stopped_ok and s in "tT"]
    if state is None:
        with contextlib.suppress(Fail):
            wait_for(lambda: not left_stopped(), "threads running again")
        if left_stopped():
            raise Fail(f"threads left stopped: {left_stopped()}")
    else:
        # A thread detached while its group is stopped is woken to enter the
        # group stop again (the kernel re-arms it on detach): it may show R
        # for a moment, under load for a while. One that never gets back is
        # the failure.
        def wrong():
            return {t: s for t, (s, _) in thread_view(pid).items() if s != state}
        with contextlib.suppress(Fail):
            wait_for(lambda: not wrong(), f"threads back in state {state}")
        if wrong():
            raise Fail(f"threads not in state {state} any more: {wrong()}")
    traced = {t: tp for t, (_, tp) in thread_view(pid).items() if t not in stopped_ok and tp}
    if traced:
        raise Fail(f"threads left traced (thread: tracer): {traced}")


def reading(stdout):
    """The one JSON reading of stdout."""
    lines = stdout.splitlines()
    if len(lines) != 1:
        raise Fail(f"expected one JSON line, got {len(lines)}: {stdout[:400]!r}")
    return json.loads(lines[0])


def threads_of(object_):
    """{tid: entry} without the thread names (the copies tests check those)."""
    return {t["tid"]: {k: v for k, v in t.items() if k != "name"} for t in object_["threads"]}


def record_index(entry, tid):
    """The index of a valid record published by thread tid (tid_record.h);
    fails on anything else, a record of another thread included."""
    if entry.get("state") != "valid":
        raise Fail(f"thread {tid}: state {entry.get('state')}, expected valid: {entry}")
    trace, span = entry["trace_id"], entry["span_id"]
    if len(trace) != 32 or not trace.startswith("7e1d") or trace[20:] != "0" * 12:
        raise Fail(f"thread {tid}: not a record of tid_record.h: trace {trace}")
    owner, index = int(trace[4:12], 16), int(trace[12:20], 16)
    if owner != tid:
        raise Fail(f"thread {tid}: shown the record of thread {owner}")
    if int(span, 16) != index + 1 or entry["trace_flags"] != 1:
        raise Fail(f"thread {tid}: span {span} flags {entry['trace_flags']} for index {index}")
    return index


def expect_not_read_count(document, stderr, n):
    if document.get("threads_not_read") != n:
        raise Fail(f'"threads_not_read": {document.get("threads_not_read")}, expected {n}')
    line = f"otelctx-inspect: {n} thread(s) not read"
    if (n > 0) != (line in stderr):
        raise Fail(f"stderr {'lacks' if n else 'has'} '{line}': {stderr.strip()}")


def only_object(document):
    if len(document["objects"]) != 1:
        raise Fail(f"expected one slot object: {[o['path'] for o in document['objects']]}")
    return document["objects"][0]


def read_every_thread(tool, pid, all_tasks):
    """One JSON reading of pid (exit 0) that lists exactly all_tasks:
    (document, threads by tid, stderr, seconds)."""
    args = ["--json", str(pid)]
    status, stdout, stderr, seconds = inspect(tool, *args)
    expect_status(args, status, 0, stderr)
    document = reading(stdout)
    threads = threads_of(only_object(document))
    if sorted(threads) != all_tasks:
        raise Fail(f"{len(threads)} threads listed {sorted(threads)[:20]}..., "
                   f"the process has {len(all_tasks)}")
    return document, threads, stderr, seconds


def expect_still_in_vfork(pid, vfork):
    """The tool killed nothing: each vfork thread still waits for its child."""
    left = {t: task_state(pid, t) for t in vfork if task_state(pid, t) != "D"}
    if left:
        raise Fail(f"vfork threads no longer waiting (their child disturbed): {left}")


# ---- cases ------------------------------------------------------------------

def case_unstoppable(tool, target, n_vfork):
    with started([target, str(n_vfork), "2"], "unstoppable_vfork") as (proc, lines):
        words = ready(proc, lines, "unstoppable_vfork")
        split = words.index("record")
        vfork = [int(w) for w in words[1:split]]
        record = [int(w) for w in words[split + 1:]]
        wait_for(lambda: all(task_state(proc.pid, t) == "D" for t in vfork),
                 "vfork threads waiting for their children")
        all_tasks = tasks(proc.pid)

        document, threads, stderr, seconds = read_every_thread(tool, proc.pid, all_tasks)
        for tid in vfork:
            if threads[tid] != {"tid": tid, "state": "unstoppable"}:
                raise Fail(f"vfork thread {tid}: {threads[tid]}, expected unstoppable")
        if sorted(record_index(threads[t], t) for t in record) != [0, 1]:
            raise Fail("the record threads' records are not index 0 and 1")
        expect_not_read_count(document, stderr, n_vfork)
        if n_vfork > 1 and seconds > MANY_UNSTOPPABLE_BOUND:
            raise Fail(f"{n_vfork} unstoppable threads read in {seconds:.1f} s "
                       f"(bound {MANY_UNSTOPPABLE_BOUND:.0f} s)")
        expect_untouched(proc.pid)
        json_seconds = seconds

        args = [str(proc.pid)]
        status, stdout, stderr, seconds = inspect(tool, *args)
        expect_status(args, status, 0, stderr)
        for tid in vfork:
            if not thread_line(stdout, tid, "could not be stopped"):
                raise Fail(f"text output lacks 'thread {tid}: could not be stopped':\n{stdout}")
        for tid in record:
            if not thread_line(stdout, tid, f"trace 7e1d{tid:08x}", whole=False):
                raise Fail(f"text output lacks the record of thread {tid}:\n{stdout}")
        expect_untouched(proc.pid)
        expect_still_in_vfork(proc.pid, vfork)
    print(f"hostile unstoppable: {n_vfork} vfork thread(s) reported unstoppable, 2 records read, "
          f"{json_seconds:.2f} s (JSON) and {seconds:.2f} s (text), nothing left stopped or traced")


def traced_by(pid, tids, tracer_tasks):
    return any(tracer(pid, t) in tracer_tasks() for t in tids)


def case_signal(tool, target, signum):
    n_vfork = 50
    with contextlib.ExitStack() as stack:
        proc, lines = stack.enter_context(started([target, str(n_vfork), "2"], "unstoppable_vfork"))
        words = ready(proc, lines, "unstoppable_vfork")
        vfork = [int(w) for w in words[1:words.index("record")]]
        wait_for(lambda: all(task_state(proc.pid, t) == "D" for t in vfork),
                 "vfork threads waiting for their children")
        errors = stack.enter_context(tempfile.TemporaryFile())
        watch = subprocess.Popen([tool, "--watch", "0.1", str(proc.pid)], stdout=subprocess.DEVNULL,
                                 stderr=errors, env=INSPECT_ENV)
        try:
            def tool_tasks():
                with contextlib.suppress(FileNotFoundError):
                    return set(tasks(watch.pid))
                return set()
            # The tool's tracing a vfork thread (from any of its threads): it
            # is waiting for a stop that never comes.
            wait_for(lambda: watch.poll() is not None or traced_by(proc.pid, vfork, tool_tasks),
                     "otelctx-inspect tracing a vfork thread")
            if watch.poll() is not None:
                raise Fail(f"--watch ended by itself: exit {watch.returncode}: {read_all(errors)}")
            sent = time.monotonic()
            watch.send_signal(signum)
            try:
                watch.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                raise Fail(f"signal {signum}: no exit within {DEADLINE:.0f} s") from None
            seconds = time.monotonic() - sent
        finally:
            stop(watch)
        stderr = checked_stderr(errors)
        if watch.returncode != 128 + signum:
            raise Fail(f"signal {signum}: exit {watch.returncode}, expected {128 + signum}: "
                       f"{stderr.strip()}")
        if seconds > PROMPT:
            raise Fail(f"signal {signum}: exit after {seconds:.1f} s (bound {PROMPT:.0f} s)")
        expect_untouched(proc.pid)
        expect_still_in_vfork(proc.pid, vfork)
    print(f"hostile signal {signum}: --watch stuck on {n_vfork} unstoppable threads: exit "
          f"{128 + signum} {seconds:.2f} s after the signal, nothing left stopped or traced")


def case_traced(tool, target, holder, mode):
    with started([target, "3"], "record_threads") as (proc, lines):
        ready(proc, lines, "record_threads")
        others = [t for t in tasks(proc.pid) if t != proc.pid]
        seized = others[0]
        with started([holder, str(seized), mode], "tracer_holder") as (hold, hold_lines):
            ready(hold, hold_lines, "tracer_holder")
            if tracer(proc.pid, seized) != hold.pid:
                raise Fail(f"thread {seized}: TracerPid {tracer(proc.pid, seized)}, "
                           f"not the holder {hold.pid}")
            held_state = task_state(proc.pid, seized)

            args = ["--json", str(proc.pid)]
            status, stdout, stderr, _ = inspect(tool, *args)
            expect_status(args, status, 0, stderr)
            if "run as root" in stderr:
                raise Fail(f"'run as root' said to root: {stderr.strip()}")
            document = reading(stdout)
            threads = threads_of(only_object(document))
            expected = {"tid": seized, "state": "traced", "tracer": hold.pid}
            if threads.get(seized) != expected:
                raise Fail(f"thread {seized}: {threads.get(seized)}, expected {expected}")
            indexes = {record_index(threads[t], t) for t in others[1:]}
            if len(indexes) != 2 or not indexes <= {0, 1, 2}:
                raise Fail(f"the other threads' records are index {sorted(indexes)}")
            expect_not_read_count(document, stderr, 1)

            args = [str(proc.pid)]
            status, stdout, stderr, _ = inspect(tool, *args)
            expect_status(args, status, 0, stderr)
            line = f"traced by process {hold.pid}: not read"
            if not thread_line(stdout, seized, line) or "run as root" in stderr:
                raise Fail(f"text: expected '{line.strip()}', no 'run as root':\n{stdout}{stderr}")

            expect_untouched(proc.pid, stopped_ok=(seized,))
            if tracer(proc.pid, seized) != hold.pid or task_state(proc.pid, seized) != held_state:
                raise Fail(f"thread {seized}: taken from its holder: TracerPid "
                           f"{tracer(proc.pid, seized)}, state {task_state(proc.pid, seized)} "
                           f"(was {held_state})")
    print(f"hostile traced ({mode}): thread {seized} reported traced by {hold.pid}, the others "
          f"read, the holder keeps it")


def case_stopped(tool, target):
    with started([target, "3"], "record_threads") as (proc, lines):
        ready(proc, lines, "record_threads")
        os.kill(proc.pid, signal.SIGSTOP)
        wait_for(lambda: all(task_state(proc.pid, t) == "T" for t in tasks(proc.pid)),
                 "every thread in the group stop")
        args = ["--json", str(proc.pid)]
        status, stdout, stderr, _ = inspect(tool, *args)
        expect_status(args, status, 0, stderr)
        document = reading(stdout)
        threads = threads_of(only_object(document))
        indexes = {record_index(threads[t], t) for t in tasks(proc.pid) if t != proc.pid}
        if indexes != {0, 1, 2}:
            raise Fail(f"records of index {sorted(indexes)}, expected 0, 1, 2")
        expect_not_read_count(document, stderr, 0)
        expect_untouched(proc.pid, stopped_ok=tuple(tasks(proc.pid)), state="T")
    print("hostile stopped: a process in a group stop read, and left stopped, untraced")


def case_churn(tool, target):
    with started([target], "thread_churn") as (proc, lines):
        ready(proc, lines, "thread_churn")
        args = ["--json", "--watch", "0.01", "--count", "20", str(proc.pid)]
        status, stdout, stderr, _ = inspect(tool, *args)
        expect_status(args, status, 0, stderr)
        readings = stdout.splitlines()
        if len(readings) != 20:
            raise Fail(f"{len(readings)} readings, expected 20")
        for n, line in enumerate(readings):
            threads = threads_of(only_object(json.loads(line)))
            lasting = {t: e for t, e in threads.items() if e.get("state") == "valid"}
            if sorted(record_index(e, t) for t, e in lasting.items()) != [0, 1]:
                raise Fail(f"reading {n + 1}: the lasting records are not index 0 and 1")
            odd = {t: e["state"] for t, e in threads.items() if e["state"] not in ("valid", "null")}
            if odd:
                raise Fail(f"reading {n + 1}: threads neither read nor without record: {odd}")
        expect_untouched(proc.pid)
    print("hostile churn: 20 readings of a process whose threads come and go: exit 0, "
          "the lasting records in each")


def sigqueue(pid, signum):
    """Queues signum for pid; False when the queue is full.

    Not kill(): past RLIMIT_SIGPENDING the kernel keeps a kill()'s real-time
    signal only as a pending bit, merged with the ones already queued, and
    still reports success; sigqueue() gets EAGAIN instead, so every signal
    counted as sent is one the kernel holds."""
    # union sigval travels as one pointer-sized integer argument on
    # x86-64 and aarch64; its value is unused here.
    if LIBC.sigqueue(pid, signum, None) == 0:
        return True
    err = ctypes.get_errno()
    if err == errno.EAGAIN:
        return False
    raise OSError(err, f"sigqueue({pid}, {signum})")


def case_queued_signals(tool, target):
    with contextlib.ExitStack() as stack:
        proc, lines = stack.enter_context(started([target], "queued_signals"))
        # The target's SIGRTMIN: Python's is glibc's, and on musl that
        # number is one of the C library's own signals.
        rtmin = int(ready(proc, lines, "queued_signals")[0])
        errors = stack.enter_context(tempfile.TemporaryFile())
        args = ["--json", "--watch", "0.001", "--count", str(QUEUED_SIGNAL_READINGS), str(proc.pid)]
        watch = subprocess.Popen([tool, *args], stdout=subprocess.DEVNULL, stderr=errors,
                                 env=INSPECT_ENV)
        sent = 0
        deadline = time.monotonic() + DEADLINE
        try:
            # As many as the kernel queues, for as long as the readings last.
            while watch.poll() is None and time.monotonic() < deadline:
                if sigqueue(proc.pid, rtmin):
                    sent += 1
                else:
                    select.select([], [], [], 0.001)
            watch.wait(timeout=DEADLINE)
        finally:
            stop(watch)
        stderr = checked_stderr(errors)
        expect_status(args, watch.returncode, 0, stderr)
        counted = []

        def all_delivered():
            proc.stdin.write(b"count\n")
            proc.stdin.flush()
            line = lines.next("count")
            if line is None:
                raise Fail(f"queued_signals ended (exit {proc.wait()})")
            counted.append(int(line))
            return counted[-1] >= sent
        try:
            wait_for(all_delivered, "every queued signal delivered")
        except Fail:
            if not counted:
                raise
        if counted[-1] != sent:
            raise Fail(f"{sent} signals sent during {QUEUED_SIGNAL_READINGS} readings, "
                       f"{counted[-1]} delivered")
        expect_untouched(proc.pid)
    print(f"hostile signals: {sent} queued signals during {QUEUED_SIGNAL_READINGS} readings, "
          f"every one delivered")


def case_threads(tool, target, n):
    with started([target, str(n)], "record_threads") as (proc, lines):
        ready(proc, lines, "record_threads")
        all_tasks = tasks(proc.pid)
        document, threads, stderr, seconds = read_every_thread(tool, proc.pid, all_tasks)
        if threads[proc.pid].get("state") != "null":
            raise Fail(f"main thread: {threads[proc.pid]}, expected no record")
        indexes = sorted(record_index(threads[t], t) for t in all_tasks if t != proc.pid)
        if indexes != list(range(n)):
            raise Fail(f"records: {len(set(indexes))} distinct indexes of {n}")
        expect_not_read_count(document, stderr, 0)
        expect_untouched(proc.pid)
    print(f"hostile threads: {n} threads, each record read, in {seconds:.2f} s")


def case_objects(tool, target, library, n):
    with tempfile.TemporaryDirectory(prefix="hostile-objects-") as work:
        os.chmod(work, 0o755)
        copies = []
        for i in range(n):
            copy = os.path.join(work, f"libotelctx-copy-{i}.so")
            shutil.copyfile(library, copy)
            os.chmod(copy, 0o644)
            copies.append(os.path.realpath(copy))
        with started([target, *copies], "slot_objects", cwd=work) as (proc, lines):
            ready(proc, lines, "slot_objects")
            args = ["--json", str(proc.pid)]
            status, stdout, stderr, _ = inspect(tool, *args)
            expect_status(args, status, 0, stderr)
            document = reading(stdout)
            objects = {o["path"]: o for o in document["objects"]}
            if sorted(objects) != sorted(copies):
                raise Fail(f"objects {sorted(objects)}, expected the {n} copies")
            # The copies join the first (src/copies.h): one slot, in which
            # the last copy's update rewrote the record the first attached.
            for copy in copies:
                main_thread = threads_of(objects[copy]).get(proc.pid, {})
                if record_index(main_thread, proc.pid) != n - 1:
                    raise Fail(f"{copy}: not the record of the slot the copies share")
            expect_not_read_count(document, stderr, 0)
            expect_untouched(proc.pid)
    print(f"hostile objects: {n} copies of the library, each in \"objects\" with the shared record")


def indexes_by_tid(document):
    return {tid: record_index(entry, tid) for tid, entry in threads_of(only_object(document)).items()}


def case_exec(tool, target):
    with tempfile.TemporaryFile() as errors, \
            started([target], "exec_self") as (proc, lines):
        ready(proc, lines, "exec_self")
        args = ["--json", "--watch", "0.1", "--count", "50", str(proc.pid)]
        watch = subprocess.Popen([tool, *args], stdout=subprocess.PIPE, stderr=errors,
                                 env=INSPECT_ENV)
        try:
            readings = Lines(watch.stdout)
            first = readings.next("first reading")
            if first is None:
                raise Fail(f"no reading: exit {watch.wait()}")
            before = sorted(indexes_by_tid(json.loads(first)).values())
            if before != [0, 1]:
                raise Fail(f"first reading: records {before}, expected 0 and 1")
            proc.stdin.write(b"exec\n")
            proc.stdin.flush()
            ready(proc, lines, "exec_self after its exec")
            last = first
            while (line := readings.next("next reading", DEADLINE * 2)) is not None:
                last = line
            status = watch.wait(timeout=DEADLINE)
        finally:
            if watch.poll() is None:
                watch.kill()
                watch.wait()
            watch.stdout.close()
        stderr = read_all(errors)
        check_sanitizers(stderr)
        expect_status(args, status, 0, stderr)
        if f"otelctx-inspect: process {proc.pid} executed " not in stderr or \
                "located again" not in stderr:
            raise Fail(f"stderr does not say it followed the exec: {stderr.strip()}")
        after = indexes_by_tid(json.loads(last))
        if sorted(after.values()) != [100, 101] or proc.pid not in after:
            raise Fail(f"last reading: records {after}, expected 100 and 101 (one on {proc.pid})")
        expect_untouched(proc.pid)
    print("hostile exec: --watch followed the exec, the new image's records read, exit 0")


BAD_ARGUMENTS = (
    [["--watch", bad] for bad in ("nan", "inf", "1e300", "-1", "0", "abc", "1x", "86401", "")] +
    [["--watch", "0.1", "--count", bad] for bad in ("0", "x", "-1", "1000000001", "1.5")])
BAD_PIDS = ("4294967297", "-1", "0", "1x", "4194305", "")


def case_command_line(tool, target):
    failures = []
    with started([target, "1"], "record_threads") as (proc, lines):
        ready(proc, lines, "record_threads")
        cases = [[*bad, str(proc.pid)] for bad in BAD_ARGUMENTS] + [[pid] for pid in BAD_PIDS]
        for args in cases:
            try:
                status, stdout, stderr, _ = inspect(tool, *args, deadline=COMMAND_LINE_DEADLINE)
            except Fail as e:
                failures.append(str(e))
                continue
            message = stderr.splitlines()
            if status != 1 or stdout or len(message) != 1:
                failures.append(f"otelctx-inspect {' '.join(map(repr, args))}: exit {status} "
                                f"(expected 1), {len(stdout)} bytes read, {len(message)} "
                                f"stderr lines (expected 1): {stderr.strip()[:200]!r}")
        # The largest interval is valid, and one reading is not followed by
        # a day's wait.
        args = ["--watch", "86400", "--count", "1", str(proc.pid)]
        try:
            status, stdout, stderr, _ = inspect(tool, *args, deadline=COMMAND_LINE_DEADLINE)
            if status != 0 or f"process {proc.pid} " not in stdout:
                failures.append(f"the valid {' '.join(args)}: exit {status}: {stderr.strip()}")
        except Fail as e:
            failures.append(str(e))
    if failures:
        raise Fail(f"{len(failures)} of {len(cases) + 1}:\n  " + "\n  ".join(failures))
    print(f"hostile command-line: {len(cases)} bad command lines: exit 1, one line, nothing read")


def main():
    case, tool, target = sys.argv[1:4]
    extra = sys.argv[4:]
    try:
        if case == "unstoppable":
            case_unstoppable(tool, target, int(extra[0]))
        elif case in ("sigint", "sigterm"):
            case_signal(tool, target, signal.SIGINT if case == "sigint" else signal.SIGTERM)
        elif case == "traced":
            case_traced(tool, target, extra[0], extra[1])
        elif case == "stopped":
            case_stopped(tool, target)
        elif case == "churn":
            case_churn(tool, target)
        elif case == "signals":
            case_queued_signals(tool, target)
        elif case == "threads":
            case_threads(tool, target, int(extra[0]))
        elif case == "objects":
            case_objects(tool, target, extra[0], int(extra[1]))
        elif case == "exec":
            case_exec(tool, target)
        elif case == "command-line":
            case_command_line(tool, target)
        else:
            raise Fail(f"unknown case {case}")
    except Fail as e:
        print(f"hostile {case}: FAIL: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
