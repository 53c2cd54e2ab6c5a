#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Reads google-benchmark JSON of the otelctx suite.

  report.py --check VARIANT FILE   smoke check: every benchmark of VARIANT
                                   (default, optimized, lto, rust) present,
                                   none errored, dlopen/swap on dynamic TLS
  report.py --summary DIR          DIR/raw/VARIANT-ROUND.json of
                                   bench/compare.sh -> DIR/table.md and
                                   DIR/chart.png (gnuplot); prints the table
"""
import glob
import json
import os
import re
import statistics
import subprocess
import sys

SINGLE = ["single/in_place", "single/in_place_ids", "single/in_place_attrset", "single/swap",
          "single/attach_detach", "single/current", "single/record_set",
          "single/record_set_attrset", "single/update_span", "single/attr_push_pop"]
# bench/rust: the same operations from Rust, in the same three link modes.
RUST = ["rust/swap", "rust/current", "rust/in_place", "rust/in_place_attrset", "rust/update_span"]
FULL = SINGLE + ["multi/swap/4", "multi/swap/16", "dlopen/swap",
                 "floor/tls_le", "floor/tlsdesc", "alt/tls_gd",
                 "alt/pthread_getspecific"] + RUST
VARIANTS = ["default", "optimized", "lto"]
FLOORS = ["floor/tls_le", "floor/tlsdesc"]


def fail(message):
    print(f"report: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def name_of(run):
    """multi/swap/4/threads:4 -> multi/swap/4: the thread count is in the name."""
    return re.sub(r"/threads:\d+$", "", run["run_name"])


def iterations(path):
    with open(path) as f:
        data = json.load(f)
    return [b for b in data["benchmarks"] if b.get("run_type", "iteration") == "iteration"]


def check(variant, path):
    runs = iterations(path)
    for run in runs:
        if run.get("error_occurred"):
            fail(f"{variant}: {run['name']} errored: {run.get('error_message')}")
    names = {name_of(r) for r in runs}
    expected = {"lto": SINGLE, "rust": RUST}.get(variant, [n for n in FULL if n not in RUST])
    missing = [n for n in expected if n not in names]
    if missing:
        fail(f"{variant}: benchmarks missing: {', '.join(missing)}")
    for run in runs:
        if name_of(run) == "dlopen/swap" and run.get("dynamic_tls") != 1:
            fail(f"{variant}: dlopen/swap ran on static TLS (dynamic_tls={run.get('dynamic_tls')})")
    print(f"bench smoke: {variant}: {len(expected)} benchmarks ran, none errored", flush=True)


def collect(directory):
    """{variant: {benchmark: [ns per op of every repetition of every round]}}"""
    samples = {v: {} for v in VARIANTS}
    for path in sorted(glob.glob(os.path.join(directory, "raw", "*.json"))):
        # VARIANT-ROUND.json, or VARIANT+rust-ROUND.json for the Rust rows.
        variant = os.path.basename(path).split("-")[0].split("+")[0]
        for run in iterations(path):
            # CPU time: per-thread cost for multi/*, and for single-threaded
            # runs it equals wall time minus the time the VM was descheduled.
            samples[variant].setdefault(name_of(run), []).append(run["cpu_time"])
    return samples


def fmt(value):
    return "–" if value is None else f"{value:.2f}"


def table(samples):
    medians = {v: {n: statistics.median(s) for n, s in samples[v].items()} for v in VARIANTS}
    lines = ["| benchmark | default ns | optimized ns | LTO-linked ns | default min–max | "
             "optimized min–max | LTO min–max | optimized / default |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in FULL:
        row = [f"`{name}`"]
        for v in VARIANTS:
            row.append(fmt(medians[v].get(name)))
        for v in VARIANTS:
            s = samples[v].get(name)
            row.append(f"{min(s):.2f}–{max(s):.2f}" if s else "–")
        d, o = medians["default"].get(name), medians["optimized"].get(name)
        row.append(f"{o / d:.2f}" if d and o else "–")
        lines.append("| " + " | ".join(row) + " |")
    return medians, "\n".join(lines) + "\n"


def targets(medians):
    d, o, lto = medians["default"], medians["optimized"], medians["lto"]
    swap_d, swap_o = d["single/swap"], o["single/swap"]
    checks = [
        ("single/swap optimized at least 15% below default",
         swap_o <= 0.85 * swap_d, f"{swap_o:.2f} vs {swap_d:.2f} ns ({swap_o / swap_d:.2f}x)"),
        ("single/swap optimized within 1.5x of floor/tlsdesc",
         swap_o <= 1.5 * o["floor/tlsdesc"], f"{swap_o / o['floor/tlsdesc']:.2f}x"),
        ("bench_lto single/swap within 1.5x of floor/tls_le",
         lto["single/swap"] <= 1.5 * d["floor/tls_le"], f"{lto['single/swap'] / d['floor/tls_le']:.2f}x"),
        ("LTO-linked rust/swap within 1.5x of floor/tls_le",
         lto["rust/swap"] <= 1.5 * d["floor/tls_le"], f"{lto['rust/swap'] / d['floor/tls_le']:.2f}x"),
    ]
    # The safe whole-record write against C's, each link mode on its own.
    for mode, m in (("default", d), ("optimized", o), ("LTO-linked", lto)):
        ratio = m["rust/in_place"] / m["single/in_place"]
        checks.append((f"{mode} rust/in_place within 1.2x of single/in_place", ratio <= 1.2,
                       f"{m['rust/in_place']:.2f} vs {m['single/in_place']:.2f} ns ({ratio:.2f}x)"))
    for mode, m in (("default", d), ("optimized", o)):
        for alt in ("alt/pthread_getspecific", "alt/tls_gd"):
            checks.append((f"single/swap {mode} faster than {alt}",
                           m["single/swap"] < m[alt], f"{m['single/swap']:.2f} vs {m[alt]:.2f} ns"))
    return "\n".join(f"- [{'met' if ok else 'MISSED'}] {what}: {detail}"
                     for what, ok, detail in checks) + "\n"


def chart(directory, medians):
    """Clustered bars per benchmark (default, optimized, LTO); floors as lines."""
    data = os.path.join(directory, "chart.dat")
    with open(data, "w") as f:
        f.write("# benchmark default optimized lto\n")
        for name in FULL:
            if name in FLOORS:
                continue
            values = [medians[v].get(name) for v in VARIANTS]
            f.write(f'"{name}" ' + " ".join("NaN" if x is None else f"{x:.3f}" for x in values) + "\n")
    png = os.path.join(directory, "chart.png")
    floor_lines = "\n".join(
        f'set arrow from graph 0, first {medians["default"][n]:.3f} to graph 1, first '
        f'{medians["default"][n]:.3f} nohead dt 2 lw 2 lc rgb "#b00000"\n'
        f'set label "{n} {medians["default"][n]:.2f} ns" at graph 0.01, first '
        f'{medians["default"][n]:.3f} offset 0,0.7 front boxed tc rgb "#b00000"'
        for n in FLOORS)
    script = f"""
set terminal pngcairo size 1200,600 noenhanced font ",10"
set output "{png}"
set title "otelctx: median ns per operation (lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right
set ylabel "ns / operation"
set yrange [0:*]
set grid ytics
set style textbox opaque noborder
set xtics rotate by -30
set rmargin 8
{floor_lines}
plot "{data}" using 2:xtic(1) title "default", '' using 3 title "optimized", '' using 4 title "LTO-linked (bench_lto, bench/rust)"
"""
    done = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if done.returncode != 0:
        fail(f"gnuplot: {done.stderr}")
    return png


def summary(directory):
    samples = collect(directory)
    for v in VARIANTS:
        if not samples[v]:
            fail(f"no {v} results under {directory}/raw")
    medians, text = table(samples)
    rounds = len(glob.glob(os.path.join(directory, "raw", "default-*.json")))
    text = (f"Median CPU ns per operation over {rounds} alternating rounds "
            f"(min–max over every repetition).\n\n" + text + "\nTargets:\n" + targets(medians))
    with open(os.path.join(directory, "table.md"), "w") as f:
        f.write(text)
    png = chart(directory, medians)
    print(text)
    print(f"table: {os.path.join(directory, 'table.md')}")
    print(f"chart: {png}")
    print(f"raw JSON: {os.path.join(directory, 'raw')}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "--summary":
        summary(sys.argv[2])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
