# SPDX-License-Identifier: Apache-2.0
"""Finds the OTEP 4719 process context mapping of another process."""

NAMES = ("[anon_shmem:OTEL_CTX]", "[anon:OTEL_CTX]", "/memfd:OTEL_CTX")


def find_header(pid):
    """Start address of the OTEL_CTX mapping in /proc/PID/maps, or None."""
    with open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            parts = line.split(maxsplit=5)
            if len(parts) == 6 and parts[5].strip().startswith(NAMES):
                return int(parts[0].split("-")[0], 16)
    return None
