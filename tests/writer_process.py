# SPDX-License-Identifier: Apache-2.0
"""The writer process of a reading test: started with pipes, told to stop by
closing its stdin, and never left running, whatever path the test takes."""
import contextlib
import subprocess


@contextlib.contextmanager
def started(command, **popen):
    """The writer, stdin and stdout piped as text; killed and reaped on the
    way out if it still runs."""
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            **popen)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def ended(proc, timeout=60):
    """Closes the writer's stdin, its signal to stop; its exit status, or
    None (and the writer killed) when it did not exit within timeout."""
    proc.stdin.close()
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


def thread_ids_until_ready(lines):
    """The ids of the "thread TID ..." lines before "ready"; None when the
    output ends first."""
    tids = []
    for line in lines:
        words = line.split()
        if words[:1] == ["thread"]:
            tids.append(int(words[1]))
        elif words == ["ready"]:
            return tids
    return None
