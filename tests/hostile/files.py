#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Hostile targets, file and parser classes: a process shaping only itself
(running as nobody) attacks otelctx-inspect (run as root) through the files
it maps, their names and contents, its process context and its records.
Each case starts its target, waits for its "ready" line, reads it with this
build's otelctx-inspect under a deadline and checks the documented outcome;
the target is always killed at the end. Crafted ELF files are made here.

  names_fifo names_canary names_device  root opens what the target names
  sigbus                                the target truncates a mapped ELF
  quadratic_check quadratic_process     a crafted 8 MiB ELF (check, mapped)
  many_maps                             20 000 mapped files, long paths
  escapes                               terminal escapes in everything shown
  payload_unreadable payload_oversized payload_malformed record_size
  slot_unreadable                         hostile payload and records
  stray_slot                            a mapped, not loaded, slot object
  elf_ub                                check of malformed ELF headers

Usage: files.py CASE INSPECT names=EXE sigbus=EXE map_file=EXE
                many_maps=EXE escapes=EXE payload=EXE library=LIBOTELCTX
"""
import json
import os
import platform
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import uuid

from runnable import environment, runnable

NOBODY = 65534
TIMEOUT = 60.0
READY_TIMEOUT = 300.0
# Crafted input must be read in linear time: this bound holds with both
# cores busy and in the sanitized build; quadratic work took 25-50 s.
QUICK = 10.0
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "SUMMARY: AddressSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")
# The documented exit statuses of a reading (0 ok, 2 gone, 3 permission,
# 4 no slot, 5 no TLS, 7 strict) and of check (0, 6).
READ_STATUSES = {0, 2, 3, 4, 5, 7}
CHECK_STATUSES = {0, 6}

CASE = sys.argv[1] if len(sys.argv) > 1 else "?"


def fail(message):
    print(f"hostile {CASE}: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def say(message):
    print(f"hostile {CASE}: {message}", flush=True)


def require(tool):
    if shutil.which(tool) is None:
        fail(f"{tool} not found (apt-get install {tool})")


# ---- running the inspector -------------------------------------------------

def inspector_env(traced):
    env = dict(os.environ)
    # LeakSanitizer cannot ptrace a process that strace traces.
    env["ASAN_OPTIONS"] = f"detect_leaks={0 if traced else 1}:abort_on_error=0"
    env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1"
    return env


class Reading:
    def __init__(self, status, out, err, seconds):
        self.status, self.out, self.err, self.seconds = status, out, err, seconds

    def describe(self):
        return (f"exit {self.status} after {self.seconds:.2f} s\n--- stdout\n"
                f"{self.out.decode(errors='replace')[-3000:]}\n--- stderr\n"
                f"{self.err.decode(errors='replace')[-3000:]}")


def inspect(args, strace_log=None, timeout=TIMEOUT):
    """Runs INSPECT args as root in its own process group; a hang is killed
    (the whole group: strace and the inspector) and is status None."""
    command = [INSPECT] + args
    if strace_log is not None:
        command = ["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o",
                   strace_log] + command
    began = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=inspector_env(strace_log is not None),
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        status = None
    reading = Reading(status, out, err, time.monotonic() - began)
    text = err.decode(errors="replace")
    for mark in SANITIZER_MARKS:
        if mark in text:
            fail(f"sanitizer report from otelctx-inspect {' '.join(args)}:\n{reading.describe()}")
    if status is None:
        fail(f"otelctx-inspect {' '.join(args)} hung (killed after {timeout:.0f} s):\n"
             f"{reading.describe()}")
    if status < 0:
        fail(f"otelctx-inspect {' '.join(args)} died of signal {-status}:\n{reading.describe()}")
    return reading


def expect_status(reading, allowed, what):
    if reading.status not in allowed:
        fail(f"{what}: exit {reading.status}, expected one of {sorted(allowed)}:\n"
             f"{reading.describe()}")


# ---- the target ------------------------------------------------------------

def as_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


class Target:
    """A target process run as nobody; killed (SIGKILL) on leaving."""

    def __init__(self, args):
        args = [runnable(args[0]), *args[1:]]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     env=environment(), preexec_fn=as_nobody)
        self.pid = self.proc.pid
        deadline = time.monotonic() + READY_TIMEOUT
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                self.kill()
                fail(f"{args[0]} did not print its ready line within {READY_TIMEOUT:.0f} s")
            byte = os.read(self.proc.stdout.fileno(), 1)
            if not byte:
                self.kill()
                fail(f"{args[0]} ended before it was ready (exit {self.proc.wait()})")
            line += byte
        if line != b"ready\n":
            self.kill()
            fail(f"{args[0]} printed {line!r} instead of its ready line")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


def workdir():
    """A directory the target (nobody) may write in."""
    path = tempfile.mkdtemp(prefix="hostile-files-")
    os.chown(path, NOBODY, NOBODY)
    return path


def readable_copy(source, directory, name):
    """A copy of source that nobody can read (the build tree may not be)."""
    path = os.path.join(directory, name)
    shutil.copyfile(source, path)
    os.chmod(path, 0o644)
    return path


# ---- what must not reach a terminal ----------------------------------------

def raw_controls(data):
    """Offsets and bytes of every raw control in data: bytes < 0x20 but
    newline, 0x7f, bytes >= 0x80 outside valid UTF-8, U+0080..U+009F."""
    found = []
    i = 0
    while i < len(data):
        byte = data[i]
        if (byte < 0x20 and byte != 0x0a) or byte == 0x7f:
            found.append((i, data[i:i + 1]))
        elif byte >= 0x80:
            for n in (2, 3, 4):
                try:
                    char = data[i:i + n].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if 0x80 <= ord(char) <= 0x9f:
                    found.append((i, data[i:i + n]))
                i += n - 1
                break
            else:
                found.append((i, data[i:i + 1]))
        i += 1
    return found


def expect_escaped(reading, what):
    for stream, data in (("stdout", reading.out), ("stderr", reading.err)):
        raw = raw_controls(data)
        if raw:
            shown = ", ".join(f"{b!r} at {at}" for at, b in raw[:8])
            fail(f"{what}: {stream} carries {len(raw)} raw control byte(s): {shown}:\n"
                 f"{reading.describe()}")


# ---- crafted ELF files -----------------------------------------------------

ET_EXEC, ET_DYN = 2, 3
SHT_STRTAB, SHT_RELA, SHT_DYNAMIC, SHT_DYNSYM = 3, 4, 6, 11
PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_TLS = 1, 2, 3, 7
STT_TLS, STB_GLOBAL = 6, 1
DT_FLAGS_1, DF_1_PIE = 0x6ffffffb, 0x08000000
SLOT = b"otel_thread_ctx_v1"
if platform.machine() == "aarch64":
    EM, R_TLSDESC = 183, 1031
else:
    EM, R_TLSDESC = 62, 36


def section(kind, data, link=0, info=0, entsize=0, **fields):
    return dict(kind=kind, data=data, link=link, info=info, entsize=entsize, **fields)


def symbol(name, info, shndx, value, size):
    return struct.pack("<IBBHQQ", name, info, 0, shndx, value, size)


def build_elf(sections, segments=(), e_type=ET_DYN, skew=0, header=None, shdr=None):
    """An ELF64 file: header, program headers, section contents, section
    headers. skew shifts every table and content by that many bytes (1:
    every one at an odd offset). segments: dicts with kind and either
    section (an index into sections, 1-based as in the file) or offset and
    size; header and shdr override fields after layout."""
    out = bytearray(64)

    def place(blob):
        while len(out) % 8 != skew % 8:
            out.append(0)
        at = len(out)
        out.extend(blob)
        return at

    phoff = place(bytes(56 * len(segments))) if segments else 0
    offsets = [place(s["data"]) for s in sections]
    table = [bytes(64)]
    for i, s in enumerate(sections):
        fields = dict(name=0, type=s["kind"], flags=0, addr=0, offset=offsets[i],
                      size=len(s["data"]), link=s["link"], info=s["info"], align=1,
                      entsize=s["entsize"])
        fields.update({k: v for k, v in s.items() if k in fields and k not in ("kind",)})
        fields.update((shdr or {}).get(i + 1, {}))
        table.append(struct.pack("<IIQQQQIIQQ", fields["name"], fields["type"], fields["flags"],
                                 fields["addr"], fields["offset"], fields["size"], fields["link"],
                                 fields["info"], fields["align"], fields["entsize"]))
    shoff = place(b"".join(table))
    phdrs = []
    for seg in segments:
        if "section" in seg:
            off, size = offsets[seg["section"] - 1], len(sections[seg["section"] - 1]["data"])
        else:
            off, size = seg.get("offset", 0), seg.get("size", 0)
        phdrs.append(struct.pack("<IIQQQQQQ", seg["kind"], seg.get("flags", 4), off,
                                 seg.get("vaddr", off), seg.get("vaddr", off), size,
                                 seg.get("memsz", size), seg.get("align", 8)))
    out[phoff:phoff + 56 * len(segments)] = b"".join(phdrs)
    fields = dict(type=e_type, phoff=phoff, shoff=shoff, phentsize=56, phnum=len(segments),
                  shentsize=64, shnum=len(table), shstrndx=0)
    fields.update(header or {})
    out[0:64] = (b"\x7fELF\x02\x01\x01" + bytes(9) +
                 struct.pack("<HHIQQQIHHHHHH", fields["type"], EM, 1, 0, fields["phoff"],
                             fields["shoff"], 0, 64, fields["phentsize"], fields["phnum"],
                             fields["shentsize"], fields["shnum"], fields["shstrndx"]))
    return bytes(out)


def slot_library(skew=0, value=0, e_type=ET_DYN, tls=False, header=None, shdr=None,
                 rela_symbol=1):
    """A library (or executable) exporting the slot: .dynstr, .dynsym, a
    TLSDESC relocation against it, PT_DYNAMIC (with DF_1_PIE for an
    executable), optionally PT_TLS."""
    dynstr = b"\0" + SLOT + b"\0"
    dynsym = bytes(24) + symbol(1, (STB_GLOBAL << 4) | STT_TLS, 1, value, 8)
    rela = b"" if e_type == ET_EXEC else struct.pack("<QQq", 0x2000, (rela_symbol << 32) | R_TLSDESC, 0)
    dynamic = struct.pack("<qQqQ", DT_FLAGS_1, DF_1_PIE if e_type == ET_EXEC else 0, 0, 0)
    sections = [section(SHT_STRTAB, dynstr), section(SHT_DYNSYM, dynsym, link=1, entsize=24),
                section(SHT_RELA, rela, link=2, entsize=24),
                section(SHT_DYNAMIC, dynamic, link=1, entsize=16)]
    segments = [dict(kind=PT_LOAD, offset=0, size=4096, align=4096),
                dict(kind=PT_DYNAMIC, section=4)]
    if tls:
        segments.append(dict(kind=PT_TLS, offset=0, size=16, memsz=0x7ffffffffffffff0,
                             align=1 << 62, vaddr=0x1000))
    return build_elf(sections, segments, e_type=e_type, skew=skew, header=header, shdr=shdr)


def quadratic_elf():
    """8 MiB: a 4 MiB .dynstr without one NUL byte and as many .dynsym
    entries as fit in the other 4 MiB, their names in its first page. A
    reader looking for each name's end scans, per symbol, all of .dynstr."""
    dynstr_size = 4 << 20
    count = (4 << 20) // 24
    dynsym = bytearray(24)
    dynsym += b"".join(symbol(i % 4096, STB_GLOBAL << 4, 1, 0, 0) for i in range(1, count))
    return build_elf([section(SHT_STRTAB, b"A" * dynstr_size),
                      section(SHT_DYNSYM, bytes(dynsym), link=1, entsize=24)],
                     [dict(kind=PT_LOAD, offset=0, size=4096, align=4096)])


def write_file(directory, name, data):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o644)
    return path


# ---- protobuf, for crafted process contexts --------------------------------

def varint(n):
    out = bytearray()
    while True:
        out.append((n & 0x7f) | (0x80 if n > 0x7f else 0))
        n >>= 7
        if not n:
            return bytes(out)


def pb(number, payload):
    """A length-delimited field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def any_string(text):
    return pb(1, text)


def key_value(key, value_message):
    return pb(1, key) + pb(2, value_message)


def process_context(resource, schema, keys):
    body = pb(1, b"".join(pb(1, key_value(k, any_string(v))) for k, v in resource))
    body += pb(2, key_value(b"threadlocal.schema_version", any_string(schema)))
    array = b"".join(pb(1, any_string(k)) for k in keys)
    body += pb(2, key_value(b"threadlocal.attribute_key_map", pb(5, array)))
    return body


# ---- the cases -------------------------------------------------------------

def opened_paths(log):
    with open(log, errors="replace") as f:
        return [line.rstrip("\n") for line in f if re.search(r"\bopen(at2?)?\(", line)]


def names_case(kind):
    require("strace")
    directory = workdir()
    canary = None
    try:
        if kind == "fifo":
            args = [TOOLS["names"], directory, "fifo"]
        elif kind == "canary":
            fd, canary = tempfile.mkstemp(prefix="hostile-canary-")
            os.write(fd, f"canary {uuid.uuid4()}\n".encode())
            os.close(fd)
            os.chmod(canary, 0o600)
            args = [TOOLS["names"], directory, "link", canary]
        else:
            args = [TOOLS["names"], directory, "link", "/dev/zero"]
        log = os.path.join(tempfile.gettempdir(), f"hostile-strace-{uuid.uuid4()}.log")
        with Target(args) as target:
            try:
                reading = inspect([str(target.pid)], strace_log=log)
                opened = opened_paths(log)
            finally:
                if os.path.exists(log):
                    os.unlink(log)
        say(f"read in {reading.seconds:.2f} s, exit {reading.status}, {len(opened)} open calls")
        expect_status(reading, {0}, "a publisher with a hostile file name")
        forbidden = [directory, f"/proc/{target.pid}/root/"] + ([canary] if canary else [])
        bad = [line for line in opened if any(word in line for word in forbidden)]
        if bad:
            fail("otelctx-inspect opened what the target named:\n  " + "\n  ".join(bad[:10]))
        if canary and open(canary, "rb").read() in reading.out + reading.err:
            fail("the canary's content reached the output")
        say("no open of the target's directory, its /proc/PID/root or the canary")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        if canary:
            os.unlink(canary)


def sigbus_case():
    directory = workdir()
    try:
        with Target([TOOLS["sigbus"], directory]) as target:
            for run in range(3):
                reading = inspect(["--watch", "0.05", "--count", "40", str(target.pid)])
                say(f"run {run + 1}: --watch 0.05 --count 40: exit {reading.status} "
                    f"in {reading.seconds:.2f} s")
                expect_status(reading, {0}, "a publisher truncating a mapped ELF")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def quick(reading, what):
    say(f"{what}: {reading.seconds:.2f} s (bound {QUICK:.0f} s), exit {reading.status}")
    if reading.seconds > QUICK:
        fail(f"{what} took {reading.seconds:.2f} s (bound {QUICK:.0f} s): not linear")


def quadratic_check_case():
    directory = workdir()
    try:
        path = write_file(directory, "quadratic.so", quadratic_elf())
        reading = inspect(["check", path])
        expect_status(reading, {6}, "check of a file without the slot")
        quick(reading, f"check of a crafted {os.path.getsize(path) >> 20} MiB ELF")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def quadratic_process_case():
    directory = workdir()
    try:
        path = write_file(directory, "quadratic.so", quadratic_elf())
        with Target([TOOLS["map_file"], path]) as target:
            reading = inspect([str(target.pid)])
        expect_status(reading, {0}, "a publisher mapping a crafted ELF")
        quick(reading, "reading a process that maps the crafted 8 MiB ELF")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def many_maps_case():
    directory = workdir()
    count = 20000
    try:
        began = time.monotonic()
        with Target([TOOLS["many_maps"], directory, str(count)]) as target:
            say(f"target mapped {count} files in {time.monotonic() - began:.2f} s")
            reading = inspect([str(target.pid)])
        expect_status(reading, {0}, f"a publisher mapping {count} files")
        quick(reading, f"reading a process mapping {count} files with long paths")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


ESCAPES = b"\x1b[31m\xc2\x9b\x9b\xff\x07\x7f"


def escapes_case():
    directory = workdir()
    try:
        library = readable_copy(TOOLS["library"], directory, "source-libotelctx.so")
        payload = process_context(
            resource=[(b"service.name", b"esc\x1b[2J"), (b"\x1b]0;pwned\x07", b"red" + ESCAPES)],
            schema=b"tlsdesc_v1_dev" + ESCAPES,
            keys=[b"k\x1b[1m0", b"k\xc2\x9b1", b"k\xff\xfe2"])
        payload_file = write_file(directory, "payload", payload)
        with Target([TOOLS["escapes"], library, directory, payload_file]) as target:
            pid = str(target.pid)
            readings = {"text": inspect([pid]), "--strict": inspect(["--strict", pid]),
                        "--json": inspect(["--json", pid]),
                        "--json --strict": inspect(["--json", "--strict", pid])}
        for what, reading in readings.items():
            expect_status(reading, {0, 7}, what)
            say(f"{what}: exit {reading.status}, {len(reading.out)} + {len(reading.err)} bytes")
        expect_status(readings["--strict"], {7}, "--strict (the schema is wrong)")
        for what in ("text", "--strict"):
            expect_escaped(readings[what], what)
        expect_escaped(Reading(0, b"", readings["--json --strict"].err, 0), "--json stderr")
        try:
            doc = json.loads(readings["--json"].out)
        except ValueError as e:
            fail(f"--json does not parse: {e}:\n{readings['--json'].describe()}")
        ctx = doc.get("process_context") or {}
        values = [a.get("value") for o in doc.get("objects", []) for t in o.get("threads", [])
                  for a in t.get("attributes", [])]
        carried = {
            "resource value": ctx.get("resource", {}).get("service.name") == "esc\x1b[2J",
            "key name": "k\x1b[1m0" in ctx.get("attribute_key_map", []),
            "attribute value": "v\x1b[31m\u009b" in values,
            "object path": any("\x1b[31m" in o.get("path", "") for o in doc.get("objects", [])),
            "comm": doc.get("comm", "").startswith("\x1b[31m\u009b"),
        }
        missing = [what for what, ok in carried.items() if not ok]
        if missing:
            fail(f"--json does not carry the {', '.join(missing)}:\n{readings['--json'].describe()}")
        say("text output escaped (stdout and stderr, with and without --strict); "
            "--json parses and carries every value")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def payload_reading(args, payload_bytes=None, strict=False):
    directory = workdir()
    try:
        if payload_bytes is not None:
            args = [args[0], write_file(directory, "payload", payload_bytes)] + args[1:]
        with Target([TOOLS["payload"]] + args) as target:
            reading = inspect((["--strict"] if strict else []) + [str(target.pid)])
        return reading, target.pid
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def payload_unreadable_case():
    reading, pid = payload_reading(["unreadable"])
    expect_status(reading, {0}, "a payload pointer to unreadable memory")
    err = reading.err.decode(errors="replace")
    if not re.search(rf"process context of process {pid}: payload at 0x[0-9a-f]+ cannot be read",
                     err) or "kept changing" in err:
        fail(f"the message does not say the payload cannot be read:\n{reading.describe()}")
    say(f"exit 0: {err.strip()}")


def payload_oversized_case():
    good = process_context([(b"service.name", b"big")], b"tlsdesc_v1_dev", [b"k"])
    reading, _ = payload_reading(["bytes", str((1 << 20) + 1)], good, strict=True)
    expect_status(reading, {7}, "--strict, a payload size of 1 MiB + 1")
    if b"strict: payload-size" not in reading.err:
        fail(f"--strict does not name rule payload-size:\n{reading.describe()}")
    say(f"--strict exit 7 naming payload-size in {reading.seconds:.2f} s")


def nested(depth):
    """AnyValue kvlist_value (6) -> KeyValueList values (1) -> KeyValue
    value (2) -> AnyValue ..., depth times."""
    message = any_string(b"deep")
    for _ in range(depth):
        message = pb(6, pb(1, key_value(b"d", message)))
    return message


def payload_malformed_case():
    """Each payload: whether it is malformed (a warning names the process),
    or well-formed however odd (read without a word)."""
    huge_length = varint(1 << 3 | 2) + varint((1 << 64) - 1)
    overlong = varint(1 << 3 | 0) + b"\xff" * 11 + b"\x01"
    cases = {
        "nested 20000 deep": (False, pb(1, pb(1, key_value(b"deep", nested(20000))))),
        "length 2^64-1": (True, huge_length + b"x" * 16),
        "length 2^63 in a resource": (True, pb(1, varint(1 << 3 | 2) + varint(1 << 63))),
        "varint of 12 bytes": (True, overlong),
        "key map array 2^32 long": (True, pb(2, key_value(b"threadlocal.attribute_key_map",
                                                          varint(5 << 3 | 2) + varint(1 << 32)))),
        "wire type 7": (True, b"\x07" * 64),
    }
    wrong = []
    for what, (malformed, payload) in cases.items():
        reading, pid = payload_reading(["bytes"], payload)
        expect_status(reading, {0}, f"payload {what}")
        warned = f"process {pid}" in reading.err.decode(errors="replace")
        say(f"payload {what}: exit 0 in {reading.seconds:.2f} s, "
            f"{'warned' if warned else 'no warning'}: {reading.err.decode(errors='replace').strip()}")
        if warned != malformed:
            wrong.append(f"{what}: {'a' if warned else 'no'} warning, expected "
                         f"{'one' if malformed else 'none'}:\n{reading.describe()}")
    if wrong:
        fail("\n".join(wrong))


def record_size_case():
    reading, _ = payload_reading(["record-size"], strict=True)
    expect_status(reading, {7}, "--strict, a valid record with attrs_data_size 65535")
    if b"strict: record-size" not in reading.err:
        fail(f"--strict does not name rule record-size:\n{reading.describe()}")
    say("--strict exit 7 naming record-size")


def slot_unreadable_case():
    reading, _ = payload_reading(["slot-unreadable"])
    expect_status(reading, {0}, "a slot pointing to unreadable memory")
    if not re.search(rb"thread \d+(?: \(.*\))?: unreadable", reading.out):
        fail(f"the thread is not reported unreadable:\n{reading.describe()}")
    say("exit 0, the thread unreadable")


def stray_slot_case():
    directory = workdir()
    try:
        stray = readable_copy(TOOLS["library"], directory, "libotelctx-stray.so")
        with Target([TOOLS["map_file"], stray]) as target:
            reading = inspect([str(target.pid)])
        expect_status(reading, {0}, "a publisher next to a stray slot object")
        if not re.search(rb"thread \d+(?: \(.*\))?: trace aa030000", reading.out):
            fail(f"the real slot's record is not read:\n{reading.describe()}")
        warning = (f"otelctx-inspect: warning: {stray}: ").encode()
        if warning not in reading.err or b"not loaded by the dynamic linker" not in reading.err:
            fail(f"no warning names the stray object:\n{reading.describe()}")
        say(f"exit 0, the real slot read, the stray one warned about")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def elf_ub_case():
    shdr_wrap = {2: dict(offset=(1 << 64) - 0x100, size=0x200)}
    files = {
        "tables at odd offsets": slot_library(skew=1),
        "executable, slot st_value 2^63-8, PT_TLS": slot_library(
            value=(1 << 63) - 8, e_type=ET_EXEC, tls=True),
        "executable, slot st_value 2^63, PT_TLS": slot_library(
            value=1 << 63, e_type=ET_EXEC, tls=True),
        "section count past the end": slot_library(header=dict(shnum=0xffff)),
        "segment count past the end": slot_library(header=dict(phnum=0xffff)),
        "section headers wrap around": slot_library(header=dict(shoff=(1 << 64) - 64)),
        "program headers wrap around": slot_library(header=dict(phoff=(1 << 64) - 56)),
        ".dynsym sh_link out of range": slot_library(shdr={2: dict(link=0xffffffff)}),
        "relocations sh_link out of range": slot_library(shdr={3: dict(link=0xffff)}),
        ".dynsym wraps around": slot_library(shdr=shdr_wrap),
        ".dynstr size past the end": slot_library(shdr={1: dict(size=(1 << 64) - 1)}),
        "relocation symbol past .dynsym": slot_library(rela_symbol=0xffffffff),
        "header only": build_elf([], header=dict(shnum=5, phnum=5)),
    }
    directory = workdir()
    try:
        for i, (what, data) in enumerate(files.items()):
            path = write_file(directory, f"crafted-{i}.so", data)
            reading = inspect(["check", path])
            expect_status(reading, CHECK_STATUSES, f"check of {what}")
            verdict = reading.out.decode(errors="replace").split(" ", 1)[0]
            say(f"check of {what}: exit {reading.status} ({verdict})")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


CASES = {
    "names_fifo": lambda: names_case("fifo"),
    "names_canary": lambda: names_case("canary"),
    "names_device": lambda: names_case("device"),
    "sigbus": sigbus_case,
    "quadratic_check": quadratic_check_case,
    "quadratic_process": quadratic_process_case,
    "many_maps": many_maps_case,
    "escapes": escapes_case,
    "payload_unreadable": payload_unreadable_case,
    "payload_oversized": payload_oversized_case,
    "payload_malformed": payload_malformed_case,
    "record_size": record_size_case,
    "slot_unreadable": slot_unreadable_case,
    "stray_slot": stray_slot_case,
    "elf_ub": elf_ub_case,
}


def main():
    global INSPECT, TOOLS
    if len(sys.argv) < 3 or sys.argv[1] not in CASES:
        fail(f"usage: files.py {{{'|'.join(CASES)}}} INSPECT NAME=PATH...")
    INSPECT = sys.argv[2]
    TOOLS = dict(arg.split("=", 1) for arg in sys.argv[3:])
    if os.geteuid() != 0:
        fail("must run as root (otelctx-inspect reads other users' processes)")
    CASES[CASE]()
    say("PASS")


if __name__ == "__main__":
    main()
