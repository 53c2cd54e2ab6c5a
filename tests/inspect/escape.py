#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""No byte of a target reaches the terminal raw. strict_violator "escape"
names its thread, OTEL_CTX mapping, schema, resource, key names and record
value with ESC sequences, BEL, DEL, CR, newline, C1 controls (as UTF-8 and
as raw bytes) and bytes that are not UTF-8; a second target (this Python,
its comm rewritten) is refused with a diagnostic that quotes its comm.

Checked: text output, --strict lines and diagnostics hold no control byte
but the tool's own newlines, and are UTF-8 without a C1 code point; each
hostile string appears in them as this file's escaping rule writes it
(\\xNN per byte, \\\\ and, inside a value, \\"); --json decodes to the
target's strings (U+FFFD for each byte that is not UTF-8) and holds no C1
code point raw either.

Usage: escape.py INSPECT VIOLATOR
"""
import json
import subprocess
import sys

# tests/strict_violator.c: HOSTILE, the comm and the mapping name of mode "escape".
HOSTILE = b'\x1b[31m\x07\x7f\xc2\x9b\x9b\xff\r\n"\\\xc3\xa9'
VIOLATOR_COMM = b"\x1b]0;\x07\xc2\x9b\x9b\xffcomm"
MAPPING = b"/memfd:OTEL_CTX\x1b[31m\xc2\x9b\x9b\xff (deleted)"
# Written to /proc/self/comm by the second target (15 bytes kept).
PYTHON_COMM = b"\x1b[2J\xc2\x85\x85\xfe\x7fpy"
TIMEOUT = 120


def fail(message):
    print(f"inspect escape: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def characters(data):
    """(bytes, code point or None) for each UTF-8 sequence or lone bad byte."""
    i = 0
    while i < len(data):
        for size in range(1, 5):
            try:
                text = data[i:i + size].decode("utf-8")
            except UnicodeDecodeError:
                continue
            yield data[i:i + size], ord(text)
            i += size
            break
        else:
            yield data[i:i + 1], None
            i += 1


def escaped(data, quoted=False):
    """The text form docs/inspect.md promises for bytes of a target."""
    out = []
    for raw, code in characters(data):
        if code is None or code < 0x20 or code == 0x7f or 0x80 <= code <= 0x9f:
            out.append("".join(f"\\x{b:02x}" for b in raw))
        elif raw == b"\\" or (quoted and raw == b'"'):
            out.append("\\" + raw.decode())
        else:
            out.append(raw.decode())
    return "".join(out)


def check_printable(what, data):
    """No byte a terminal acts on: controls but newline, DEL, C1, bad UTF-8."""
    for raw, code in characters(data):
        if code is None:
            fail(f"{what}: byte {raw.hex()} is not UTF-8: {data!r}")
        if (code < 0x20 and raw != b"\n") or code == 0x7f or 0x80 <= code <= 0x9f:
            fail(f"{what}: raw control U+{code:04X}: {data!r}")
    return data.decode("utf-8")


def run(args, what):
    done = subprocess.run(args, capture_output=True, timeout=TIMEOUT)
    return (done.returncode, check_printable(f"{what} stdout", done.stdout),
            check_printable(f"{what} stderr", done.stderr), done.stdout)


def expect_in(what, text, needle):
    if needle not in text:
        fail(f"{what}: {needle!r} not in:\n{text}")


def read_violator(inspect, violator):
    proc = subprocess.Popen([violator, "escape"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        if proc.stdout.readline().strip() != b"ready":
            fail("violator escape did not start")
        text = run([inspect, "--strict", str(proc.pid)], "text")
        as_json = run([inspect, "--json", str(proc.pid)], "--json")
    finally:
        proc.stdin.close()
        proc.wait(timeout=TIMEOUT)
    status, out, err, _ = text
    if status != 7:
        fail(f"--strict: exit {status}, want 7 (mapping-name, schema-version): {err}")
    expect_in("comm", out, f"({escaped(VIOLATOR_COMM)})\n")
    expect_in("schema", out, f"schema {escaped(b'schema' + HOSTILE)}\n")
    expect_in("resource", out, f" {escaped(b'res' + HOSTILE)}={escaped(b'value' + HOSTILE)}\n")
    expect_in("key map", out, f" 0={escaped(b'key' + HOSTILE)} 1=http.route\n")
    expect_in("value", out, f"      {escaped(b'key' + HOSTILE)} = "
                            f"\"{escaped(HOSTILE, quoted=True)}\"\n")
    expect_in("strict mapping-name", err, f"strict: mapping-name: {escaped(MAPPING)}: ")
    expect_in("strict schema-version", err,
              f"strict: schema-version: \"{escaped(b'schema' + HOSTILE)}\", ")

    status, out, err, raw = as_json
    if status != 0:
        fail(f"--json: exit {status}: {err}")
    reading = json.loads(raw)
    def decoded(data):
        return data.decode("utf-8", errors="replace")
    context = reading["process_context"]
    attribute = reading["objects"][0]["threads"][0]["attributes"][0]
    for what, got, want in [
            ("comm", reading["comm"], VIOLATOR_COMM),
            ("schema", context["schema_version"], b"schema" + HOSTILE),
            ("resource", list(context["resource"].items()),
             [(decoded(b"res" + HOSTILE), decoded(b"value" + HOSTILE))]),
            ("key map", context["attribute_key_map"][0], b"key" + HOSTILE),
            ("value", attribute["value"], HOSTILE),
            ("value_hex", attribute["value_hex"], HOSTILE.hex().encode())]:
        want = want if isinstance(want, list) else decoded(want)
        if got != want:
            fail(f"--json {what}: {got!r}, want {want!r}")
    print("inspect escape: text, --strict and --json of a hostile process: escaped")


def read_python(inspect):
    """A process without the slot: the refusal quotes its comm."""
    code = ("import sys\n"
            f"open('/proc/self/comm', 'wb').write({PYTHON_COMM!r})\n"
            "print('ready', flush=True)\n"
            "sys.stdin.read()\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    try:
        if proc.stdout.readline().strip() != b"ready":
            fail("the Python target did not start")
        status, _, err, _ = run([inspect, str(proc.pid)], "diagnostic")
    finally:
        proc.stdin.close()
        proc.wait(timeout=TIMEOUT)
    if status != 4:
        fail(f"a process without the slot: exit {status}, want 4: {err}")
    expect_in("diagnostic", err, f"process {proc.pid} ({escaped(PYTHON_COMM)}) does not publish")
    print("inspect escape: a diagnostic quoting a hostile comm: escaped")


def main():
    inspect, violator = sys.argv[1:3]
    read_violator(inspect, violator)
    read_python(inspect)


if __name__ == "__main__":
    main()
