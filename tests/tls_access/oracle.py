#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks otelctx-inspect's tls_access (the slot located from relocations
and ELF headers, as the eBPF profiler's reference reader locates it)
against gdb, whose &otel_thread_ctx_v1 in each thread is libthread_db's
answer. One linking scenario per run: the scenario publisher publishes a
context on each of its threads and says whether that thread's slot lives
in static or dynamic TLS; tls_access_probe prints the model it found and
every thread's slot address from its fs_base (and DTV). Fails unless every
thread's address equals gdb's, the model is one of --model, a thread the
publisher reports in dynamic TLS is reached through the DTV (and one in
static TLS is not), and the slot was found in .dynsym or, with --symtab,
only in .symtab. With --oracle self (musl, where gdb cannot resolve TLS)
the publisher (musl_publisher.c) prints each thread's "slot TID 0xADDRESS"
as its libc's dlsym gives it, and that is the answer.

Usage: oracle.py NAME --probe PROBE --model M[,M...] [--symtab]
                 [--oracle gdb|self] -- PROGRAM [ARG...]
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from scenario_reader import THREADS, as_line, choose_contexts  # noqa: E402
import writer_process  # noqa: E402

DYNAMIC_MODELS = {"tlsdesc-dynamic", "general-dynamic"}


def fail(name, message):
    print(f"tls_access {name}: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def gdb_addresses(name, pid):
    """{lwp: address of otel_thread_ctx_v1} for each thread gdb resolves."""
    command = ["gdb", "--batch", "--nx", "-p", str(pid), "-ex", "set pagination off",
               "-ex", "thread apply all -s p/x (unsigned long)&otel_thread_ctx_v1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    addresses, current = {}, None
    for line in done.stdout.splitlines():
        thread = re.match(r"^Thread \d+ \(.*LWP (\d+)\)", line)
        value = re.match(r"^\$\d+ = (0x[0-9a-f]+)$", line)
        if thread:
            current = int(thread.group(1))
        elif value and current is not None:
            addresses[current] = int(value.group(1), 16)
    if done.returncode != 0 or not addresses:
        fail(name, f"gdb resolved no &otel_thread_ctx_v1: {(done.stdout + done.stderr).strip()[-600:]}")
    return addresses


def probe(name, program, pid):
    """(objects [(path, model, table)], {tid: address or None})."""
    done = subprocess.run([program, str(pid)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        fail(name, f"tls_access_probe exited with {done.returncode}: {done.stderr.strip()}")
    objects, slots = [], {}
    for line in done.stdout.splitlines():
        print(f"  probe: {line}")
        words = line.split()
        if words[0] == "object":
            objects.append((words[1], words[2], words[3]))
        elif words[0] == "slot":
            slots[int(words[1])] = None if words[3] == "unallocated" else int(words[3], 16)
    return objects, slots


def hand_contexts(name, proc, contexts):
    """Gives the running publisher its contexts; {tid: "static"|"dynamic"}
    of its threads, and {tid: address} of the threads that printed their
    slot's address."""
    try:
        proc.stdin.write("".join(as_line(c) for c in contexts) + "\n")
        proc.stdin.flush()
    except BrokenPipeError:
        fail(name, f"publisher exited with {proc.wait()} before it read its contexts")
    places, addresses = {}, {}
    for line in proc.stdout:
        print(f"  {line.rstrip()}")
        words = line.split()
        if words[:1] == ["thread"]:
            places[int(words[1])] = words[2]
        elif words[:1] == ["slot"]:
            addresses[int(words[1])] = int(words[2], 16)
        elif words == ["ready"]:
            return places, addresses
    fail(name, f"publisher exited with {proc.wait()} before it was ready")


def check(name, args, places, objects, slots, addresses):
    if len(objects) != 1:
        fail(name, f"tls_access located {len(objects)} slot objects, expected 1: {objects}")
    path, model, table = objects[0]
    if model not in args.model.split(","):
        fail(name, f"{path}: model {model}, expected one of {args.model}")
    if table != ("symtab" if args.symtab else "dynsym"):
        fail(name, f"{path}: slot found in .{table}")
    if len(places) != THREADS:
        fail(name, f"{len(places)} threads published, expected {THREADS}")
    for tid, place in places.items():
        if place != "any" and (place == "dynamic") != (model in DYNAMIC_MODELS):
            fail(name, f"thread {tid}: slot in {place} TLS, but located by {model}")
        if tid not in addresses or slots.get(tid) != addresses[tid]:
            want = hex(addresses[tid]) if tid in addresses else "nothing"
            got = "nothing" if tid not in slots else hex(slots[tid]) if slots[tid] else "unallocated"
            fail(name, f"thread {tid}: tls_access says {got}, {args.oracle} {want}")
    # Threads that published nothing: equal wherever both have an address.
    for tid, address in addresses.items():
        if slots.get(tid) is not None and slots[tid] != address:
            fail(name, f"thread {tid}: tls_access says {hex(slots[tid])}, {args.oracle} {hex(address)}")
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--probe", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--symtab", action="store_true")
    parser.add_argument("--oracle", choices=("gdb", "self"), default="gdb")
    split = sys.argv.index("--")
    args = parser.parse_args(sys.argv[1:split])
    name, program = args.name, sys.argv[split + 1:]
    if args.oracle == "gdb" and shutil.which("gdb") is None:
        fail(name, "gdb not found (apt-get install gdb)")
    seed = int(os.environ.get("OTELCTX_SEED", time.time_ns()))
    print(f"tls_access {name}: seed {seed}", flush=True)
    with writer_process.started(program) as proc:
        places, addresses = hand_contexts(name, proc, choose_contexts(random.Random(seed)))
        objects, slots = probe(name, args.probe, proc.pid)
        if args.oracle == "gdb":
            addresses = gdb_addresses(name, proc.pid)
        else:
            places = {tid: "any" for tid in addresses}
        model = check(name, args, places, objects, slots, addresses)
        if writer_process.ended(proc) != 0:
            fail(name, f"publisher exited with {proc.returncode}")
        print(f"tls_access {name}: {model}, {len(addresses)} threads as {args.oracle} "
              "resolves them: ok")


if __name__ == "__main__":
    main()
