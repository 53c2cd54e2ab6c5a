# SPDX-License-Identifier: Apache-2.0
"""runtime_cpython's writer (read by bindings/runtime_reader.py): OS threads
that each attach a record, and asyncio tasks on the main thread that each
set their own record (otelctx.task_factory) and interleave. At each
checkpoint it states every record a reader must see and blocks inside the
step of the task whose record must be up (a blocking read keeps that step,
and so its record, on the thread), or in a loop callback between steps,
where the main thread's own record is back. A child task created inside a
span starts with a copy of that span's record."""
import asyncio
import json
import sys
import threading

import otelctx

THREADS = 3
TASKS = 3
INTERLEAVE = 3  # awaits between a task's checkpoints, so the others run between

WORKER = otelctx.key_index("runtime.worker")
KIND = otelctx.key_index("runtime.kind")


def published(n, kind, flags=1):
    """The ids, flags and attributes of record n, as bytes for the binding
    and as the reader will state them."""
    trace_id = bytes([0xC0, n]) + bytes(range(2, 16))
    span_id = bytes([0x5A, n]) + bytes(range(2, 8))
    attrs = [(WORKER, f"{kind}-{n}"), (KIND, kind)]
    stated = {"trace_id": trace_id.hex(), "span_id": span_id.hex(), "trace_flags": flags,
              "attributes": {"runtime.worker": f"{kind}-{n}", "runtime.kind": kind}}
    return (trace_id, span_id, flags, attrs), stated


threads_stated = {}


def checkpoint(main_stated):
    for tid, stated in {**threads_stated, threading.get_native_id(): main_stated}.items():
        print("expect " + json.dumps({"tid": tid, **stated}))
    print("ready", flush=True)
    if sys.stdin.readline() != "go\n":
        sys.exit("runtime_writer: the reader went away")


def os_thread(n, attached, stop):
    args, stated = published(n, "thread")
    with otelctx.attach(otelctx.Record(*args)):
        threads_stated[threading.get_native_id()] = stated
        attached.wait()
        stop.wait()


async def child(inherited):
    await asyncio.sleep(0)
    checkpoint(inherited)


async def task(n, turns, main_stated):
    args, stated = published(n, "task")
    otelctx.task_record().set(*args)
    for turn in turns:
        await turn[n].wait()
        for _ in range(INTERLEAVE):
            await asyncio.sleep(0)
        checkpoint(stated)                    # inside this task's step
        if n == 1:
            otelctx.update_flags(0)           # the sampling decision, this task's record only
            stated = {**stated, "trace_flags": 0}
        span_args, span_stated = published(10 + n, "span")
        with otelctx.attach(otelctx.Record(*span_args)):
            await asyncio.sleep(0)            # the span's record follows the task
            checkpoint(span_stated)
            if n == 0:                        # a child task starts with a copy of it
                await asyncio.create_task(child(span_stated))
        asyncio.get_running_loop().call_soon(checkpoint, main_stated)  # between steps
        await asyncio.sleep(0)
        if n + 1 < TASKS:
            turn[n + 1].set()


async def tasks(main_stated):
    asyncio.get_running_loop().set_task_factory(otelctx.task_factory)
    turns = [[asyncio.Event() for _ in range(TASKS)]]
    running = [asyncio.create_task(task(n, turns, main_stated)) for n in range(TASKS)]
    await asyncio.sleep(0)                    # every task has set its record and waits
    turns[0][0].set()
    await asyncio.gather(*running)


def main():
    attached, stop = threading.Barrier(THREADS + 1), threading.Event()
    workers = [threading.Thread(target=os_thread, args=(n, attached, stop)) for n in range(THREADS)]
    for w in workers:
        w.start()
    attached.wait()
    main_args, main_stated = published(0, "main")
    with otelctx.attach(otelctx.Record(*main_args)):
        asyncio.run(tasks(main_stated))
    stop.set()
    for w in workers:
        w.join()


if __name__ == "__main__":
    main()
