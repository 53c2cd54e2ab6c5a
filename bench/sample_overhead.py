#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The cost of being sampled: ns per otelctx_update (two attributes) of a
busy writer (bench/sample_overhead_writer.c) without sampling, and while
`otelctx-inspect sample` samples it at 999 and at 9 999 Hz. Rounds are
interleaved (none, 999, 9999, none, ...) so that drift of the machine
spreads over all three; the writer is pinned to the last CPU and the
sampler (its user-space half: the ring buffer's reader) to the first, so
that what is measured is what sampling costs the sampled thread. Each run's
figure is the writer's median batch; printed: every run, then per rate the
median of the runs, its spread (min-max), the difference to no sampling
(in ns per operation, percent, and per sample taken) and the median of the
differences within each round — also when these are within the spread
(the noise).

The writer times its own CPU time, which includes the sampling interrupt
only where the kernel charges interrupts to the thread they interrupt
(CONFIG_IRQ_TIME_ACCOUNTING not set): this script reads the kernel's config
and refuses to measure otherwise.

A sampled run starts measuring only once the sampler said its perf events
are on, and counts only if the sampler then reports samples of the writer.

Usage: sample_overhead.py --writer PROGRAM --inspect PROGRAM [--rounds N]
                          [--ops-per-batch N] [--batches N]
"""
import argparse
import gzip
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys

RATES = (None, 999, 9999)
DEADLINE = 120


def fail(message):
    print(f"sample_overhead: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def expect_line(stream, prefix, who):
    line = stream.readline()
    if not line.startswith(prefix):
        fail(f"{who} printed {line.strip()!r}, expected {prefix!r}")
    return line


def start_sampler(inspect, pid, hz):
    sampler = subprocess.Popen(["taskset", "-c", "0", inspect, "sample", "--hz", str(hz), "--seconds", "3600",
                                "--json", str(pid)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    # The tool's own line once the perf events are on.
    for line in sampler.stderr:
        if line.startswith("otelctx-inspect: sampling process"):
            return sampler
        print(f"  sampler: {line.strip()}", file=sys.stderr)
    fail(f"otelctx-inspect sample exited {sampler.wait()} before sampling")


def stop_sampler(sampler):
    """SIGINT ends the sampling: the tool prints what it sampled, exit 130."""
    sampler.send_signal(signal.SIGINT)
    out, err = sampler.communicate(timeout=DEADLINE)
    if sampler.returncode != 128 + signal.SIGINT:
        fail(f"otelctx-inspect sample exited {sampler.returncode}: {err.strip()}")
    return json.loads(out)


def check_accounting():
    """The kernel must charge interrupt time to the interrupted thread."""
    paths = ("/proc/config.gz", f"/boot/config-{os.uname().release}")
    for path in paths:
        try:
            with (gzip.open if path.endswith(".gz") else open)(path, "rt") as config:
                lines = config.read().splitlines()
            break
        except OSError:
            continue
    else:
        fail(f"cannot read the kernel's config ({' or '.join(paths)})")
    if "CONFIG_IRQ_TIME_ACCOUNTING=y" in lines:
        fail("CONFIG_IRQ_TIME_ACCOUNTING=y: the writer's CPU time would leave out the "
             "sampling interrupts it pays for")
    print(f"{path}: interrupt time is charged to the interrupted thread")


def one_run(args, hz):
    cpu = str(os.cpu_count() - 1)
    writer = subprocess.Popen(["taskset", "-c", cpu, args.writer, str(args.ops_per_batch),
                               str(args.batches)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        expect_line(writer.stdout, "ready", "writer")
        sampler = start_sampler(args.inspect, writer.pid, hz) if hz else None
        writer.stdin.write("go\n")
        writer.stdin.flush()
        ns = float(expect_line(writer.stdout, "ns_per_op ", "writer").split()[1])
        samples = stop_sampler(sampler)["samples"] if sampler else 0
        if hz and samples == 0:
            fail(f"the sampler at {hz} Hz took no sample of the writer")
    finally:
        writer.stdin.close()
        writer.wait(timeout=DEADLINE)
    if writer.returncode != 0:
        fail(f"writer exited {writer.returncode}")
    return ns, samples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--writer", required=True)
    parser.add_argument("--inspect", required=True)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--ops-per-batch", type=int, default=50000)
    parser.add_argument("--batches", type=int, default=400)
    args = parser.parse_args()
    if args.rounds < 5:
        fail("--rounds must be at least 5")
    if os.environ.get("OTELCTX_SKIP_BPF") == "1":
        print("sample_overhead: skipped (OTELCTX_SKIP_BPF=1)")
        sys.exit(77)
    if shutil.which("taskset") is None:
        fail("taskset not found (util-linux)")
    check_accounting()
    results = {hz: [] for hz in RATES}
    sample_counts = {hz: [] for hz in RATES if hz}
    for r in range(args.rounds):
        for hz in RATES:
            ns, samples = one_run(args, hz)
            results[hz].append(ns)
            if hz:
                sample_counts[hz].append(samples)
            label = f"{hz} Hz" if hz else "none"
            print(f"round {r + 1} {label:>8}: {ns:7.3f} ns/op" +
                  (f"  ({samples} samples)" if hz else ""))
    base = statistics.median(results[None])
    print(f"\nmedians of {args.rounds} interleaved rounds, "
          f"{args.batches} x {args.ops_per_batch} otelctx_update (2 attributes) each:")
    for hz in RATES:
        median = statistics.median(results[hz])
        label = f"{hz} Hz" if hz else "none"
        spread = f"{min(results[hz]):.3f}-{max(results[hz]):.3f}"
        diff = ""
        if hz:
            # What one sample cost the writer: the extra time of a run's
            # operations spread over the median run's samples.
            per_sample = (median - base) * args.ops_per_batch * args.batches / statistics.median(
                sample_counts[hz])
            # Each round against its own unsampled run: drift of the
            # machine between rounds cancels.
            paired = statistics.median(s - n for s, n in zip(results[hz], results[None]))
            diff = (f"  {median - base:+.3f} ns ({(median - base) / base:+.1%}),"
                    f" {per_sample / 1000:+.2f} us per sample; paired by round {paired:+.3f} ns")
        print(f"  {label:>8}: {median:7.3f} ns/op  (runs {spread}){diff}")


if __name__ == "__main__":
    main()
