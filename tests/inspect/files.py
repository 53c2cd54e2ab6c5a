#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""otelctx-inspect and the files a target maps, which the target shapes:
  - names: a mapped file whose name holds a newline (maps shows it as
    \\012), while the literal text names a FIFO (opening it would block)
    and, for a second file, a symlink to a canary file. The reading ends
    with 0, and no system call of the tool (strace) names the directory:
    the files are reached through /proc/PID/map_files only.
  - truncation: a target empties and rewrites a mapped ELF file without end
    while --watch reads it again and again: every reading ends with 0,
    never a signal (a tool that maps the file dies of SIGBUS).
  - size: a mapped ELF whose .dynstr is 7 MiB without a NUL and whose
    40 000 .dynsym names each start at another byte of it (a reader that
    looks for each name's end scans 7 MiB per name): the reading ends with
    0 within DEADLINE seconds, and `check` of the file says FAIL (6).

Usage: files.py INSPECT FILE_MAPPER ELF
(ELF: any 64-bit ELF file without the slot, copied and churned.)
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

DEADLINE = 60
WATCH_COUNT = 300


def fail(message):
    print(f"inspect files: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def say(message):
    print(f"inspect files: {message}")


class Mapper:
    """file_mapper mapping files, running until closed."""

    def __init__(self, mapper, *args):
        self.proc = subprocess.Popen([mapper, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            fail(f"file_mapper {' '.join(args)} did not start")

    def __enter__(self):
        return self.proc.pid

    def __exit__(self, *exc):
        self.proc.stdin.close()
        self.proc.wait(timeout=DEADLINE)


def inspect(args, **kw):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=DEADLINE, **kw)
    except subprocess.TimeoutExpired:
        fail(f"{' '.join(args)} still running after {DEADLINE} s")


def names(inspect_path, mapper, elf, work):
    """Files named 'lib\\nfifo.so' and 'lib\\nlink.so' mapped; 'lib\\\\012fifo.so' a
    FIFO and 'lib\\\\012link.so' a symlink to a canary, the literal text of maps."""
    strace = shutil.which("strace")
    if strace is None:
        fail("strace not found (apt-get install strace)")
    canary = os.path.join(work, "canary")
    with open(canary, "w") as f:
        f.write("the tool must never open this file\n")
    mapped = []
    for kind in ("fifo", "link"):
        real = os.path.join(work, f"lib\n{kind}.so")
        shutil.copyfile(elf, real)
        mapped.append(real)
        literal = os.path.join(work, f"lib\\012{kind}.so")
        if kind == "fifo":
            os.mkfifo(literal)
        else:
            os.symlink(canary, literal)
    log = os.path.join(work, "strace.log")
    with Mapper(mapper, *mapped) as pid:
        with open(f"/proc/{pid}/maps") as f:
            if "\\012fifo.so" not in f.read():
                fail("maps does not show the newline as \\012: the test shapes nothing")
        # LeakSanitizer cannot run under ptrace: a sanitized tool leaves it off here.
        asan = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        done = inspect([strace, "-f", "-qq", "-o", log, "-e", "trace=%file", inspect_path, str(pid)],
                       env={**os.environ, "ASAN_OPTIONS": asan})
    if done.returncode != 0:
        fail(f"names: exit {done.returncode}: {done.stderr.strip()}")
    with open(log) as f:
        touched = [line.strip() for line in f if work in line]
    if touched:
        fail(f"names: the tool named the target's files by their path: {touched[:3]}")
    say("names: read with 0, no file opened or looked up by the name maps shows")


def truncation(inspect_path, mapper, elf, work):
    churned = os.path.join(work, "churned.so")
    shutil.copyfile(elf, churned)
    with Mapper(mapper, "--churn", churned) as pid:
        done = inspect([inspect_path, "--watch", "0.001", "--count", str(WATCH_COUNT), str(pid)])
    if done.returncode != 0:
        fail(f"truncation: exit {done.returncode} (a negative one is a signal): "
             f"{done.stderr.strip()[-400:]}")
    readings = done.stdout.count(f"process {pid} (")
    if readings < WATCH_COUNT:
        fail(f"truncation: {readings} readings of {WATCH_COUNT}")
    say(f"truncation: {readings} readings of a file rewritten meanwhile, all 0")


def crafted_elf(path, dynstr_size, n_symbols):
    """ET_DYN x86-64: .dynsym of n_symbols entries named at offsets 1, 2, ...
    of a .dynstr of dynstr_size bytes 'a', no NUL."""
    dynsym_off = 64
    dynstr_off = dynsym_off + 24 * n_symbols
    shoff = (dynstr_off + dynstr_size + 7) & ~7
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) + struct.pack(
        "<HHIQQQIHHHHHH", 3, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64, 3, 0)
    symbols = bytes(24) + b"".join(struct.pack("<IBBHQQ", i, 0x16, 0, 1, 0, 8)
                                   for i in range(1, n_symbols))

    def section(kind, offset, size, link, entsize):
        return struct.pack("<IIQQQQIIQQ", 0, kind, 2, 0, offset, size, link, 1, 8, entsize)
    sections = bytes(64) + section(11, dynsym_off, 24 * n_symbols, 2, 24) + \
        section(3, dynstr_off, dynstr_size, 0, 0)
    with open(path, "wb") as f:
        f.write(header + symbols + b"a" * dynstr_size)
        f.write(bytes(shoff - dynstr_off - dynstr_size) + sections)


def size(inspect_path, mapper, work):
    crafted = os.path.join(work, "crafted.so")
    crafted_elf(crafted, 7 << 20, 40000)
    done = inspect([inspect_path, "check", crafted])
    if done.returncode != 6:
        fail(f"size: check: exit {done.returncode}, expected 6: {done.stdout.strip()}")
    with Mapper(mapper, crafted) as pid:
        done = inspect([inspect_path, str(pid)])
    if done.returncode != 0:
        fail(f"size: exit {done.returncode}: {done.stderr.strip()}")
    say(f"size: check 6, reading 0, each within {DEADLINE} s")


def main():
    if len(sys.argv) != 4:
        fail("usage: files.py INSPECT FILE_MAPPER ELF")
    inspect_path, mapper, elf = sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="inspect-files-") as work:
        os.chmod(work, 0o755)
        names(inspect_path, mapper, elf, work)
        truncation(inspect_path, mapper, elf, work)
        size(inspect_path, mapper, work)


if __name__ == "__main__":
    main()
