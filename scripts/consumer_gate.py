#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Consumer gate: fails when a program or library that linked otelctx's
bitcode archive (a Rust or C++ hot-path consumer) silently lost what
cross-language LTO is for. Every way of losing it builds and runs.

Checks:
  1. OTEP 4947's ELF rules, by `otelctx-inspect check` (src/elf_rules.c, the
     rules the library's own gate and otelctx_self_check() apply): the slot
     is a defined 8-byte TLS GLOBAL DEFAULT symbol of .dynsym and, in a
     shared library, every relocation against it is TLSDESC. Other TLS (a
     Rust cdylib's std thread-locals through __tls_get_addr) is not judged.
  2. Inlining: no call or tail jump to otelctx_* remains in the functions
     named by --functions; without --functions, no call to a slot operation
     (attach, detach, detach_if, current, update_span) anywhere. The writers
     with a loop (update, record_set, attr_push, attr_pop) may stay calls.
A failure names its likely cause from what it was told of the build
(--opt-level, --rustflags, --archive). Exit 0 pass, 1 fail, 2 usage/tools.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from elf_gate import GateError, disassemble, inspect_check, read_header, run_tool  # noqa: E402

SLOT_OPERATIONS = {"otelctx_attach", "otelctx_detach", "otelctx_detach_if",
                   "otelctx_current", "otelctx_update_span"}
CALL = re.compile(r"\b(?:call|jmp|bl|b)\w*\s+(?:\*\S+\s+#\s*)?[0-9a-f]+ <(otelctx_\w+)(?:@[\w.]+)?>")
# Features every x86-64 target has; left out when comparing the archive's.
BASELINE_FEATURES = {"cmov", "cx8", "fxsr", "mmx", "sse", "sse2", "x87", "64bit"}

ELF_HINTS = [
    ("not exported: link executables",
     "the export must be a link argument of the final binary itself: cargo:rustc-link-arg from a "
     "dependency's build.rs does not reach it (rust/cargo-lto passes it)"),
    ("hidden: a shared library's version script",
     "rustc's cdylib version script hides every symbol but the Rust exports: link with "
     "-Wl,--version-script=rust/slot.map, merged by lld (rust/cargo-lto passes it)"),
    ("not TLSDESC",
     "the LTO code generator picks the TLS dialect at link time and rustc does not pass -flto to "
     "clang: link with -Wl,-plugin-opt=-enable-tlsdesc (rust/cargo-lto passes it)"),
    ("no TLSDESC relocation",
     "the LTO code generator picks the TLS dialect at link time and rustc does not pass -flto to "
     "clang: link with -Wl,-plugin-opt=-enable-tlsdesc (rust/cargo-lto passes it)"),
]


def fail_line(path, check, detail, hint=None):
    text = f"consumer-gate: FAIL {check}: {detail} in {path}"
    return text + (f"\n  cause: {hint}" if hint else "")


def check_elf_rules(args):
    passed, verdict = inspect_check(args.inspect, args.emulator, args.file)
    if passed:
        return f"  [pass] 1 ELF rules: {verdict}", None
    hint = next((h for key, h in ELF_HINTS if key in verdict), None)
    return f"  [FAIL] 1 ELF rules: {verdict}", fail_line(args.file, "1 ELF rules", verdict, hint)


def archive_target(archive):
    """(target-cpu, {features}) of the first bitcode member of archive."""
    tools = [t for t in ("llvm-dis-19", "llvm-dis") if shutil.which(t)]
    if not tools or not os.path.isfile(archive):
        return None, set()
    listing = subprocess.run(["llvm-ar-19" if shutil.which("llvm-ar-19") else "llvm-ar", "t", archive],
                             capture_output=True, text=True).stdout.split()
    member = next((m for m in listing if m.endswith(".o")), None)
    if member is None:
        return None, set()
    data = subprocess.run(["llvm-ar-19" if shutil.which("llvm-ar-19") else "llvm-ar", "p", archive, member],
                          capture_output=True).stdout
    text = subprocess.run([tools[0], "-o", "-", "-"], input=data, capture_output=True).stdout.decode(errors="replace")
    cpu = re.search(r'"target-cpu"="([^"]+)"', text)
    features = re.search(r'"target-features"="([^"]+)"', text)
    wanted = {f[1:] for f in features.group(1).split(",") if f.startswith("+")} if features else set()
    return (cpu.group(1) if cpu else None), wanted


def rust_target(rustflags, rustc, target):
    """(target-cpu, {features}) Rust compiles for with these flags."""
    cpu = "x86-64"
    for flag in re.findall(r"target-cpu=(\S+)", rustflags):
        cpu = flag
    features = set()
    if rustc and shutil.which(rustc):
        argv = [rustc, "--print", "cfg"] + re.findall(r"-C\s*target-(?:cpu|feature)=\S+", rustflags)
        argv = [a.replace("-C ", "-C") for a in argv]
        if target:
            argv += ["--target", target]
        out = subprocess.run(argv, capture_output=True, text=True).stdout
        features = set(re.findall(r'target_feature="([^"]+)"', out))
    return cpu, features


def not_inlined_cause(args):
    if args.opt_level is not None and args.opt_level in ("0", "s0"):
        return ("opt-level 0: rustc marks every function optnone, so nothing is inlined into it; "
                "build with --release (or opt-level >= 1 in the profile)")
    if args.rustflags is not None and "linker-plugin-lto" not in args.rustflags:
        return ("the Rust code was compiled to machine code, not bitcode: pass -Clinker-plugin-lto "
                "(rust/cargo-lto sets it)")
    if args.archive:
        cpu, features = archive_target(args.archive)
        rust_cpu, rust_features = rust_target(args.rustflags or "", args.rustc, args.target)
        extra = sorted(features - rust_features - BASELINE_FEATURES) if rust_features else []
        if (cpu and cpu not in (rust_cpu, "x86-64", "generic")) or extra:
            return (f"the C archive was built for target-cpu {cpu} (features {', '.join(extra) or 'none extra'}) "
                    f"and Rust for {rust_cpu}: LLVM does not inline a function that needs features its caller "
                    f"lacks; rebuild the archive without -march, or pass the same -Ctarget-cpu to Rust")
    return "unknown: compare the link command with the one rust/cargo-lto prints"


def check_inlining(args, arch):
    functions = disassemble(args.file, arch)
    wanted = [f for f in args.functions.split(",") if f] if args.functions else []
    bad, lines = [], []
    if wanted:
        for name in wanted:
            body = functions.get(name)
            if body is None:
                bad.append(f"function {name} is not in the disassembly (give its symbol name; "
                           f"#[no_mangle] or extern \"C\" in Rust)")
                continue
            calls = sorted({m.group(1) for m in map(CALL.search, body) if m})
            lines.append(f"           {name}: " + (f"calls {', '.join(calls)}" if calls else "no call to otelctx_*"))
            if calls:
                bad.append(f"{name} calls {', '.join(calls)}")
    else:
        for name, body in functions.items():
            if name.startswith("otelctx_"):
                continue
            calls = sorted({m.group(1) for m in map(CALL.search, body) if m} & SLOT_OPERATIONS)
            if calls:
                bad.append(f"{name} calls {', '.join(calls)}")
        lines.append(f"           {len(functions)} functions: "
                     + (f"{len(bad)} call a slot operation" if bad else "none calls a slot operation"))
    verdict = bad[0] if bad else ("inlined in " + (", ".join(wanted) if wanted else "every function"))
    head = f"  [{'FAIL' if bad else 'pass'}] 2 inlining: {verdict}"
    failure = fail_line(args.file, "2 inlining", bad[0], not_inlined_cause(args)) if bad else None
    return [head] + lines, failure


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="executable or shared library that linked libotelctx.a")
    parser.add_argument("--functions", help="comma-separated symbols that must not call otelctx_*")
    parser.add_argument("--inspect", default=os.environ.get("OTELCTX_INSPECT"),
                        help="the otelctx-inspect program (default: $OTELCTX_INSPECT)")
    parser.add_argument("--emulator", default=os.environ.get("OTELCTX_EMULATOR", ""),
                        help="command that runs a cross-built otelctx-inspect")
    parser.add_argument("--opt-level", help="the artifact's opt-level, to explain a failure")
    parser.add_argument("--rustflags", help="the Rust flags of the build, to explain a failure")
    parser.add_argument("--rustc", help="the rustc of the build, to read its target features")
    parser.add_argument("--target", help="the Rust target triple, when cross-compiling")
    parser.add_argument("--archive", help="the libotelctx.a that was linked, to explain a failure")
    args = parser.parse_args()
    if not args.inspect:
        parser.error("--inspect (or $OTELCTX_INSPECT) is required")
    try:
        arch, executable = read_header(args.file)
        run_tool("readelf", "-h", args.file)
        kind = "executable" if executable else "shared library"
        lines = [f"consumer-gate: {args.file} ({arch['name']}, {kind})"]
        elf_line, elf_failure = check_elf_rules(args)
        inline_lines, inline_failure = check_inlining(args, arch)
        failures = [f for f in (elf_failure, inline_failure) if f]
        lines += [elf_line] + inline_lines + [f"consumer-gate: {'FAIL' if failures else 'PASS'}"]
        print("\n".join(lines))
        for failure in failures:
            print(failure, file=sys.stderr)
        return 1 if failures else 0
    except GateError as err:
        print(f"consumer-gate: FAIL: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
