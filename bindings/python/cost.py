#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The cost of publishing from CPython, one line per way of calling otelctx:
  NAME UPDATE_DETACH_NS ATTACH_RESTORE_NS
ns per pair, median of RUNS runs of LOOPS pairs each, the bare loop's cost
subtracted: "update + detach" with 2 attributes, and "attach a prepared
record + restore". Rows: cpython-extension (bindings/python, built in
BUILD_DIR) and ctypes (libotelctx.so of BUILD_DIR, no extension). Timing:
not run by ctest; bench/runtimes_cost.sh makes the table.

Usage: cost.py BUILD_DIR  (with the python3 the build's extension is for)"""
import os
import statistics
import sys
import time

RUNS = 7
LOOPS = 200_000
TRACE_ID = bytes(range(1, 17))
SPAN_ID = bytes(range(1, 9))


def per_pair(body):
    """Median ns per iteration of body(loops) over RUNS runs, minus the
    median of the same loop doing nothing."""
    def median(fn):
        runs = []
        for _ in range(RUNS):
            start = time.perf_counter_ns()
            fn(LOOPS)
            runs.append((time.perf_counter_ns() - start) / LOOPS)
        return statistics.median(runs)

    def bare(loops):
        for _ in range(loops):
            pass
    return median(body) - median(bare)


def extension_row(otelctx):
    method, route = otelctx.key_index("http.method"), otelctx.key_index("http.route")
    attrs = ((method, "GET"), (route, "/api/v1"))
    record = otelctx.Record(TRACE_ID, SPAN_ID, 1, attrs)
    update, detach, attach = otelctx.update, otelctx.detach, otelctx.attach

    def update_detach(loops):
        for _ in range(loops):
            update(TRACE_ID, SPAN_ID, 1, attrs)
            detach()

    def attach_restore(loops):
        for _ in range(loops):
            attach(record).restore()
    return per_pair(update_detach), per_pair(attach_restore)


def ctypes_row(otelctx_ctypes, library):
    lib = otelctx_ctypes.load(library)
    method = otelctx_ctypes.checked(lib, lib.otelctx_key_index(b"http.method"))
    route = otelctx_ctypes.checked(lib, lib.otelctx_key_index(b"http.route"))
    attrs = otelctx_ctypes.attrs([(method, "GET"), (route, "/api/v1")])
    record = lib.otelctx_record_new()
    otelctx_ctypes.checked(lib, lib.otelctx_record_set(record, TRACE_ID, SPAN_ID, 1, attrs, 2))
    update, detach, attach = lib.otelctx_update, lib.otelctx_detach, lib.otelctx_attach
    # A call that fails returns early: the loop must time calls that publish.
    if otelctx_ctypes.checked(lib, update(TRACE_ID, SPAN_ID, 1, attrs, 2)) != 0:
        sys.exit("cost.py: otelctx_update left attributes out")
    detach()

    def update_detach(loops):
        for _ in range(loops):
            update(TRACE_ID, SPAN_ID, 1, attrs, 2)
            detach()

    def attach_restore(loops):
        for _ in range(loops):
            attach(attach(record))
    return per_pair(update_detach), per_pair(attach_restore)


def reexec_with_build_python(build, error):
    """The extension is built for the build's Python3_EXECUTABLE, which may
    not be this python3: run this script with that one instead (once)."""
    cache = os.path.join(build, "CMakeCache.txt")
    python = None
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as f:
            for line in f:
                if line.startswith("Python3_EXECUTABLE:"):
                    python = line.split("=", 1)[1].strip()
    if python is None or os.environ.get("OTELCTX_COST_REEXEC") == "1":
        sys.exit(f"cost.py: the extension of {build} does not load in {sys.executable}: {error}")
    os.environ["OTELCTX_COST_REEXEC"] = "1"
    os.execv(python, [python] + sys.argv)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    build = os.path.abspath(sys.argv[1])
    sys.path.insert(0, os.path.join(build, "bindings", "python"))
    sys.path.insert(1, os.path.dirname(os.path.abspath(__file__)))
    try:
        import otelctx
    except ImportError as e:
        reexec_with_build_python(build, e)
    import otelctx_ctypes
    rows = [("cpython-extension", extension_row(otelctx)),
            ("ctypes", ctypes_row(otelctx_ctypes, os.path.join(build, "libotelctx.so")))]
    for name, (update_detach, attach_restore) in rows:
        print(f"{name} {update_detach:.0f} {attach_restore:.0f}")


if __name__ == "__main__":
    main()
