#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs every ```LANGUAGE block of a binding's README.md with the
interpreter given, the built extension on its load path; each must exit 0.
So the README's examples cannot rot.

Usage: readme_examples.py README.md LANGUAGE -- INTERPRETER ARGS..."""
import re
import subprocess
import sys


def fail(message):
    print(f"readme_examples: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        fail(__doc__.strip().splitlines()[-1])
    readme, language, interpreter = sys.argv[1], sys.argv[2], sys.argv[4:]
    with open(readme, encoding="utf-8") as f:
        blocks = re.findall(rf"^```{language}\n(.*?)^```$", f.read(), re.S | re.M)
    if not blocks:
        fail(f"{readme}: no ```{language} block")
    for n, block in enumerate(blocks, 1):
        done = subprocess.run(interpreter + ["-"], input=block, capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            fail(f"{readme}: block {n} exited {done.returncode}\n{done.stdout}{done.stderr}")
    print(f"readme_examples: {readme}: {len(blocks)} {language} block(s) ran")


if __name__ == "__main__":
    main()
