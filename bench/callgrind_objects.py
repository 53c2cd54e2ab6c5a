#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Exclusive Ir of a callgrind output file, summed per object (ELF file),
printed as "IR OBJECT" lines. The line after a calls= line is the inclusive
cost of that call, already counted in the callee: it is skipped.

Usage: callgrind_objects.py CALLGRIND_OUT"""
import collections
import re
import sys


def main():
    names, costs = {}, collections.Counter()
    current, skip_next = None, False
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.rstrip("\n")
            # ob= and cob= (a callee's object) share one name table.
            compressed = re.match(r"^(c?)ob=\((\d+)\)(?: (.*))?$", line)
            if compressed:
                if compressed.group(3):
                    names[compressed.group(2)] = compressed.group(3)
                if not compressed.group(1):
                    current = names[compressed.group(2)]
            elif line.startswith("ob="):
                current = line[3:]
            elif line.startswith("calls="):
                skip_next = True
            elif re.match(r"^[0-9+*-]", line):
                if skip_next:
                    skip_next = False
                    continue
                fields = line.split()
                if len(fields) >= 2 and current is not None:
                    costs[current] += int(fields[1])
    for obj, ir in costs.items():
        print(ir, obj)


if __name__ == "__main__":
    main()
