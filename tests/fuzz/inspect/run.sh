#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds one libFuzzer target of otelctx-inspect's parsers, fuzz_NAME.c,
# with the inspector's sources (all but main.c, thread_db_absent.c: the
# fuzzer is built where libthread_db is, and the BPF sampler's sample*.c,
# which need the build's skeleton and libbpf) and src/elf_rules.c (clang, fuzzer
# + ASan + UBSan), and runs it for a bounded time from a scratch copy of
# corpus/NAME/. Any crash, sanitizer report or failed invariant fails.
#
# Usage: run.sh CLANG SRC_ROOT WORK_DIR SECONDS NAME
set -euo pipefail

CC=$1 ROOT=$2 WORK=$3 SECONDS_TO_RUN=$4 NAME=$5
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../libfuzzer.sh
source "$HERE/../libfuzzer.sh"

inspector_sources() {
    local source
    for source in "$ROOT"/tools/otelctx-inspect/*.c; do
        case ${source##*/} in
            main.c | thread_db_absent.c | sample*.c) ;;
            *) echo "$source" ;;
        esac
    done
}

build() {
    # -iquote: the inspector's thread_db.h must not hide <thread_db.h>.
    local flags=(-O1 -g -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
                 -fno-sanitize-recover=all -I"$ROOT/include" -I"$ROOT/src"
                 -iquote "$ROOT/tools/otelctx-inspect")
    local sources
    mapfile -t sources < <(inspector_sources)
    "$CC" "${flags[@]}" -o "$WORK/fuzz_$NAME" "$HERE/fuzz_$NAME.c" "${sources[@]}" \
        "$ROOT/src/elf_rules.c" -lthread_db -pthread
}

main() {
    [[ -f $HERE/fuzz_$NAME.c ]] || fail "no fuzz target $HERE/fuzz_$NAME.c"
    [[ -d $HERE/corpus/$NAME ]] || fail "no seed corpus $HERE/corpus/$NAME"
    mkdir -p "$WORK"
    check_toolchain "$CC"
    build
    run_fuzzer "$WORK/fuzz_$NAME" "$HERE/corpus/$NAME" "$WORK" "$SECONDS_TO_RUN"
}

main
