#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ELF gate: fails the build when a finished otelctx artifact breaks OTEP 4947.

Checks:
  1. OTEP 4947's ELF rules, by `otelctx-inspect check` (the one implementation,
     src/elf_rules.c, that otelctx_self_check() applies too): otel_thread_ctx_v1
     a defined TLS GLOBAL DEFAULT symbol of .dynsym, reached through TLSDESC
     only (an executable may be relaxed statically).
  1b. (--map, libotelctx itself) no __tls_get_addr import: the library has no
     TLS but the slot, so an import means an access fell back to the legacy
     dialect. (A consumer such as a Rust cdylib imports it for its own
     thread-locals; scripts/consumer_gate.py does not apply this check.)
  2. (--map) the exported symbols are exactly those the version script lists.
  3. (--optimized) the shim accessor is absent from .symtab and .dynsym.
  4. (--optimized) every entry point that reaches the slot has its own inline
     TLS sequence and calls no local function that has one.
Checks 2-4 read the file with readelf and objdump (binutils).
Exit status 0 when every check passes, 1 otherwise, 2 on usage or tool errors.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

SLOT = "otel_thread_ctx_v1"
ACCESSOR = "otelctx_tls_slot"
# The shim's accessor of this copy's own writer guard byte (shim/tls_slot.h):
# it reaches the guard, never the bound slot, so calling it is no detour to
# the slot (in an executable both are thread-pointer offsets, alike to a
# disassembly).
GUARD_ACCESSOR = "otelctx_tls_writing"
SLOT_USERS = "otelctx_attach,otelctx_detach,otelctx_current,otelctx_update"

ARCHES = {
    "X86-64": {
        "name": "x86-64",
        "tlsdesc": "R_X86_64_TLSDESC",
        "call": re.compile(r"^\s*(?:call|jmp)\w*\s+([0-9a-f]+) <([^>+]+)>"),
        "relaxed": re.compile(r"%fs:"),
        "objdump": ["objdump", "x86_64-linux-gnu-objdump", "llvm-objdump-19", "llvm-objdump"],
    },
    "AArch64": {
        "name": "aarch64",
        "tlsdesc": "R_AARCH64_TLSDESC",
        "call": re.compile(r"^\s*(?:bl|b)\s+([0-9a-f]+) <([^>+]+)>"),
        "relaxed": re.compile(r"mrs\s+x\d+,\s*tpidr_el0"),
        "objdump": ["aarch64-linux-gnu-objdump", "llvm-objdump-19", "llvm-objdump"],
    },
}


class GateError(Exception):
    pass


def inspect_check(inspect, emulator, path):
    """(passed, verdict) of `otelctx-inspect check path`: the ELF rules of
    src/elf_rules.c. GateError when the tool is missing or fails to run."""
    command = emulator.split() + [inspect, "check", path]
    if shutil.which(command[0]) is None:
        raise GateError(f"'{command[0]}' not found (build otelctx-inspect first)")
    done = subprocess.run(command, capture_output=True, text=True)
    verdict = done.stdout.strip()
    if done.returncode not in (0, 6) or not verdict.startswith(("PASS ", "FAIL ")):
        raise GateError(f"{' '.join(command)} failed: {done.stderr.strip() or verdict}")
    return done.returncode == 0, verdict[5:]


def run_tool(*argv):
    if shutil.which(argv[0]) is None:
        raise GateError(f"required tool '{argv[0]}' not found (install binutils)")
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise GateError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout


def base_name(symbol):
    return symbol.split("@", 1)[0]


def read_header(path):
    """(architecture, is an executable): EXEC, or a PIE with an interpreter."""
    out = run_tool("readelf", "-hlW", path)
    machine = re.search(r"Machine:\s+(.*)", out).group(1)
    executable = (re.search(r"Type:\s+EXEC", out) is not None
                  or "Requesting program interpreter" in out)
    for key, arch in ARCHES.items():
        if key in machine:
            return arch, executable
    raise GateError(f"{path}: unsupported machine '{machine}'")


def read_symbols(path, table):
    """Rows of one symbol table: dicts with value, type, bind, vis, ndx, name."""
    out = run_tool("readelf", "-sW", path)
    rows, current = [], None
    for line in out.splitlines():
        header = re.match(r"Symbol table '([^']+)'", line)
        if header:
            current = header.group(1)
            continue
        fields = line.split()
        if current != table or len(fields) < 8 or not fields[0].rstrip(":").isdigit():
            continue
        rows.append({"value": int(fields[1], 16), "type": fields[3],
                     "bind": fields[4], "vis": fields[5], "ndx": fields[6],
                     "name": base_name(fields[7])})
    return rows


def read_relocations(path):
    """(offset, type, symbol) for every dynamic relocation."""
    out = run_tool("readelf", "-rW", path)
    relocs = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2].startswith("R_"):
            symbol = base_name(fields[4]) if len(fields) >= 5 and not fields[4].startswith("+") else ""
            relocs.append((int(fields[0], 16), fields[2], symbol))
    return relocs


def version_script_symbols(map_path):
    text = re.sub(r"/\*.*?\*/", "", open(map_path).read(), flags=re.S)
    nodes = set(re.findall(r"^\s*([\w.]+)\s*\{", text, flags=re.M))
    names = set()
    for block in re.findall(r"global:(.*?)(?:local:|\})", text, flags=re.S):
        names.update(n.strip() for n in block.split(";") if n.strip())
    return names, nodes


def disassemble(path, arch):
    """{function name: [instruction text, ...]} from objdump -d."""
    objdump = next((t for t in arch["objdump"] if shutil.which(t)), None)
    if objdump is None:
        raise GateError(f"no objdump for {arch['name']} found (tried {', '.join(arch['objdump'])}; "
                        f"install binutils-aarch64-linux-gnu or llvm)")
    out = run_tool(objdump, "-dw", "--no-show-raw-insn", path)
    functions, current = {}, None
    for line in out.splitlines():
        start = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if start:
            current = start.group(1)
            functions[current] = []
        elif current and re.match(r"^\s+[0-9a-f]+:\s", line):
            functions[current].append(line.split(":", 1)[1].strip())
    return functions


def references_x86(insns, got):
    """lea <got>(%rip) followed by an indirect call: the TLSDESC sequence."""
    for i, insn in enumerate(insns):
        m = re.search(r"#\s*([0-9a-f]+)", insn)
        if insn.startswith("lea") and m and int(m.group(1), 16) == got:
            if any(re.match(r"call\s+\*", n) for n in insns[i + 1:i + 4]):
                return True
    return False


def references_aarch64(insns, got):
    """adrp page; ldr/add with page + offset == got; blr: the TLSDESC sequence."""
    pages = {}
    seen_add = False
    for insn in insns:
        m = re.match(r"adrp\s+(x\d+),\s*([0-9a-f]+)", insn)
        if m:
            pages[m.group(1)] = int(m.group(2), 16)
            continue
        m = re.match(r"add\s+(x\d+),\s*(x\d+),\s*#0x([0-9a-f]+)", insn)
        if m and pages.get(m.group(2), -1) + int(m.group(3), 16) == got:
            seen_add = True
            continue
        if seen_add and re.match(r"blr\s+x\d+", insn):
            return True
    return False


class Gate:
    def __init__(self, args):
        self.args = args
        self.path = args.file
        self.failures = []
        self.lines = []
        self.arch, self.executable = read_header(self.path)
        self.dynsym = read_symbols(self.path, ".dynsym")
        self.symtab = read_symbols(self.path, ".symtab")
        self.relocs = read_relocations(self.path)

    def result(self, check, ok, detail):
        self.lines.append(f"  [{'pass' if ok else 'FAIL'}] {check}: {detail}")
        if not ok:
            self.failures.append(f"elf-gate: FAIL check {check}: {detail} in {self.path}")

    def check_elf_rules(self):
        self.result("1 ELF rules", *inspect_check(self.args.inspect, self.args.emulator, self.path))

    def tlsdesc_slots(self):
        return [off for off, kind, sym in self.relocs
                if kind == self.arch["tlsdesc"] and sym == SLOT]

    def check_no_legacy_import(self):
        imported = any(s["name"] == "__tls_get_addr" and s["ndx"] == "UND" for s in self.dynsym)
        self.result("1b legacy TLS", not imported,
                    "imports __tls_get_addr: some TLS access uses the legacy dialect" if imported
                    else "no __tls_get_addr import")

    def check_exports(self):
        wanted, nodes = version_script_symbols(self.args.map)
        exported = {s["name"] for s in self.dynsym
                    if s["ndx"] != "UND" and s["bind"] in ("GLOBAL", "WEAK")
                    and s["name"] not in nodes and s["name"]}
        extra, missing = sorted(exported - wanted), sorted(wanted - exported)
        if extra:
            self.result("2 exports", False,
                        f"symbol {extra[0]} exported but not in {self.args.map}")
        elif missing:
            self.result("2 exports", False,
                        f"symbol {missing[0]} listed in {self.args.map} but not exported")
        else:
            self.result("2 exports", True,
                        f"{len(exported)} symbols, exactly those of {self.args.map}")

    def check_accessor_gone(self):
        present = [t for t, rows in ((".symtab", self.symtab), (".dynsym", self.dynsym))
                   if any(s["name"] == ACCESSOR for s in rows)]
        self.result("3 accessor", not present,
                    f"{ACCESSOR} present in {', '.join(present)}" if present
                    else f"{ACCESSOR} absent from .symtab and .dynsym")

    def slot_access(self, insns):
        for got in self.tlsdesc_slots():
            if self.arch is ARCHES["X86-64"] and references_x86(insns, got):
                return f"inline TLSDESC (GOT 0x{got:x})"
            if self.arch is ARCHES["AArch64"] and references_aarch64(insns, got):
                return f"inline TLSDESC adrp/ldr/add/blr (GOT 0x{got:x})"
        if self.executable and any(self.arch["relaxed"].search(i) for i in insns):
            return "inline relaxed TLS (thread pointer)"
        return None

    def check_entry_points(self):
        functions = disassemble(self.path, self.arch)
        direct = {name: self.slot_access(insns) for name, insns in functions.items()}
        callees = {name: {m.group(2).split("@")[0] for m in
                          (self.arch["call"].match(i) for i in insns) if m}
                   for name, insns in functions.items()}
        exported = {s["name"] for s in self.dynsym
                    if s["type"] == "FUNC" and s["ndx"] != "UND"}
        users = set(self.args.slot_users.split(",")) if self.args.slot_users else set()

        def reached_through(name, seen):
            """Functions name calls, directly or not, that access the slot."""
            found = []
            for callee in sorted(callees.get(name, set()) - seen):
                seen.add(callee)
                if callee.split(".")[0] == GUARD_ACCESSOR:
                    continue
                if direct.get(callee):
                    found.append(callee)
                found += reached_through(callee, seen)
            return found

        verdicts = []  # (name, what was found, acceptable)
        for name in sorted((exported & set(functions)) | users):
            if name not in functions:
                verdicts.append((name, "not found in the disassembly", False))
            elif via := reached_through(name, {name}):
                verdicts.append((name, f"calls {', '.join(via)} to reach {SLOT}", False))
            elif direct[name]:
                verdicts.append((name, direct[name], True))
            elif name in users:
                verdicts.append((name, f"no inline access to {SLOT}", False))
            else:
                verdicts.append((name, "no slot access", True))

        bad = [f"{name}: {what}" for name, what, ok in verdicts if not ok]
        self.result("4 entry points", not bad, bad[0] if bad else "each entry point's own access")
        width = max((len(name) for name, _, _ in verdicts), default=0)
        for name, what, _ in verdicts:
            self.lines.append(f"           {name:<{width}}  {what}")

    def run(self):
        kind = "executable" if self.executable else "shared library"
        mode = "optimized" if self.args.optimized else "default"
        self.lines.append(f"elf-gate: {self.path} ({self.arch['name']}, {kind}, {mode} checks)")
        self.check_elf_rules()
        if self.args.map:
            self.check_no_legacy_import()
            self.check_exports()
        if self.args.optimized:
            if not self.executable:
                self.check_accessor_gone()
            self.check_entry_points()
        self.lines.append(f"elf-gate: {'FAIL' if self.failures else 'PASS'}")
        print("\n".join(self.lines))
        for failure in self.failures:
            print(failure, file=sys.stderr)
        return 1 if self.failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="shared library or executable to check")
    parser.add_argument("--map", help="version script whose symbols must be exactly the exports")
    parser.add_argument("--optimized", action="store_true",
                        help="also require the accessor inlined everywhere (checks 3, 4)")
    parser.add_argument("--inspect", default=os.environ.get("OTELCTX_INSPECT"),
                        help="the otelctx-inspect program (default: $OTELCTX_INSPECT)")
    parser.add_argument("--emulator", default=os.environ.get("OTELCTX_EMULATOR", ""),
                        help="command that runs otelctx-inspect when it is cross-built "
                             "(default: $OTELCTX_EMULATOR)")
    parser.add_argument("--slot-users", default=None,
                        help=f"comma-separated functions that must reach the slot "
                             f"(default for a library: {SLOT_USERS})")
    args = parser.parse_args()
    if not args.inspect:
        parser.error("--inspect (or $OTELCTX_INSPECT) is required")
    try:
        gate = Gate(args)
        if args.slot_users is None and not gate.executable:
            args.slot_users = SLOT_USERS
        return gate.run()
    except GateError as err:
        print(f"elf-gate: FAIL: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
