#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Examples that cannot rot: compiles every ```c, ```cpp and ```rust block of
the given Markdown files against this build, and runs the blocks that are
whole programs (a main function), which must exit 0. C and C++ blocks are
translation units of their own; Rust blocks are whole programs built as
examples of a scratch crate that depends on rust/ with feature tracing
(linked to this build's libotelctx.so), offline: crates.io's crates come
from Debian's packaged ones (librust-tracing-dev,
librust-tracing-subscriber-dev), named by the crate's generated
.cargo/config.toml. A missing compiler or crate fails the test and names it.

Usage: docs_examples.py --root SRC --lib-dir BUILD --work DIR FILE.md...
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

BLOCK = re.compile(r"^```(c|cpp|rust)\n(.*?)^```$", re.S | re.M)


def fail(message):
    print(f"docs_examples: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def tool(name, *candidates):
    for candidate in (name,) + candidates:
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    fail(f"{name} not found: the documentation's examples need it")


def run(argv, where, env=None, cwd=None):
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
    if done.returncode != 0:
        fail(f"{where}: {' '.join(argv[:3])}... exited {done.returncode}\n{done.stdout}{done.stderr}")
    return done.stdout


def blocks(paths):
    for path in paths:
        text = open(path).read()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            yield path, line, match.group(1), match.group(2)


def c_family(kind, code, where, args, index):
    compiler = tool("cc", "gcc") if kind == "c" else tool("c++", "g++")
    std = "-std=c11" if kind == "c" else "-std=c++17"
    source = os.path.join(args.work, f"block{index}.{kind}")
    open(source, "w").write(code)
    flags = [std, "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-I", os.path.join(args.root, "include")]
    if re.search(r"\bint main\s*\(", code):
        exe = source + ".out"
        run([compiler, *flags, source, "-L", args.lib_dir, "-lotelctx", f"-Wl,-rpath,{args.lib_dir}",
             "-o", exe], where)
        run([exe], where + " (run)")
        return "compiled and ran"
    run([compiler, *flags, "-c", source, "-o", source + ".o"], where)
    return "compiled"


DEBIAN_CARGO_REGISTRY = "/usr/share/cargo/registry"
# The Debian packages of the crates the examples use, by their directory there.
DEBIAN_CRATES = {"tracing-0.1.": "librust-tracing-dev", "tracing-subscriber-0.3.": "librust-tracing-subscriber-dev"}


def debian_registry():
    """Debian's cargo registry, once it holds every crate the examples use."""
    present = os.listdir(DEBIAN_CARGO_REGISTRY) if os.path.isdir(DEBIAN_CARGO_REGISTRY) else []
    missing = [package for prefix, package in DEBIAN_CRATES.items()
               if not any(name.startswith(prefix) for name in present)]
    if missing:
        fail(f"{' '.join(missing)} not installed: the Rust examples build offline against Debian's "
             "packaged crates (apt-get install them, or run ./test.sh)")
    return DEBIAN_CARGO_REGISTRY


def rust_blocks(found, args):
    if not found:
        return
    cargo = os.environ.get("OTELCTX_CARGO") or tool("cargo")
    crate = os.path.join(args.work, "rust")
    os.makedirs(os.path.join(crate, "examples"), exist_ok=True)
    os.makedirs(os.path.join(crate, ".cargo"), exist_ok=True)
    open(os.path.join(crate, "Cargo.toml"), "w").write(
        '[package]\nname = "docs-examples"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
        f'[dependencies]\notelctx = {{ path = "{os.path.join(args.root, "rust")}", features = ["tracing"] }}\n'
        'tracing = "0.1.37"\n'
        'tracing-subscriber = { version = "0.3.16", default-features = false, features = ["registry", "std"] }\n')
    # Cargo reads it from the working directory cargo runs in: the crate's.
    open(os.path.join(crate, ".cargo", "config.toml"), "w").write(
        '[source.crates-io]\nreplace-with = "debian-packages"\n\n'
        f'[source.debian-packages]\ndirectory = "{debian_registry()}"\n')
    open(os.path.join(crate, "lib.rs"), "w").write("")
    env = dict(os.environ, OTELCTX_DIR=args.lib_dir, CARGO_TARGET_DIR=os.path.join(crate, "target"),
               LD_LIBRARY_PATH=args.lib_dir)
    for index, (where, code) in enumerate(found):
        if not re.search(r"\bfn main\s*\(", code):
            fail(f"{where}: a Rust block must be a whole program (fn main)")
        open(os.path.join(crate, "examples", f"block{index}.rs"), "w").write(code)
    for index, (where, _) in enumerate(found):
        run([cargo, "run", "--offline", "-q", "--example", f"block{index}"], where, env, cwd=crate)
        print(f"docs_examples: {where}: rust: compiled and ran")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True)
    parser.add_argument("--lib-dir", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    counts, rust = {"c": 0, "cpp": 0, "rust": 0}, []
    for index, (path, line, kind, code) in enumerate(blocks(args.files)):
        where = f"{os.path.relpath(path, args.root)}:{line}"
        counts[kind] += 1
        if kind == "rust":
            rust.append((where, code))
            continue
        print(f"docs_examples: {where}: {kind}: {c_family(kind, code, where, args, index)}")
    rust_blocks(rust, args)
    if sum(counts.values()) == 0:
        fail("no code block found")
    print(f"docs_examples: {counts['c']} C, {counts['cpp']} C++, {counts['rust']} Rust blocks, all good")


if __name__ == "__main__":
    main()
