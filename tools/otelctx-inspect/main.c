/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otelctx-inspect: what a process publishes through otelctx, read from
 * outside as a profiler would, and the ELF rules of OTEP 4947 as a check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "elf_file.h"
#include "escape.h"
#include "output.h"
#include "snapshot.h"
#include "strict.h"
#include "target.h"

static const char usage_text[] =
    "usage: otelctx-inspect check FILE...\n"
    "       otelctx-inspect [--json] [--strict] [--watch SECONDS [--count N]] PID\n"
    "\n"
    "check   applies OTEP 4947's ELF rules to each library or executable:\n"
    "        otel_thread_ctx_v1 a defined TLS GLOBAL DEFAULT symbol of .dynsym,\n"
    "        reached through TLSDESC only (an executable may be relaxed to\n"
    "        initial-exec or local-exec). Other TLS of the object is not judged.\n"
    "PID     prints the process context and every thread's record (glibc, or\n"
    "        musl on x86-64; needs ptrace permission). --json writes one JSON object\n"
    "        per reading; --watch repeats every SECONDS (N times with --count).\n"
    "        --strict also applies the rules real readers apply (mapping names,\n"
    "        header, payload size, timestamps, schema, key map, slot size,\n"
    "        records) and reports each broken one on stderr.\n"
    "\n"
    "exit status: 0 ok; 1 usage; 2 no such process, or it exited while read;\n"
    "3 permission denied (ptrace_scope, not root); 4 the process does not\n"
    "export otel_thread_ctx_v1; 5 its TLS cannot be resolved (neither glibc\n"
    "nor musl on x86-64); 6 check: a file breaks the rules or cannot be read;\n"
    "7 --strict: a reading breaks a reader's rule.\n";

static int usage(void)
{
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}

static int check_files(int n, char **paths)
{
    int failed = 0;

    for (int i = 0; i < n; i++) {
        struct elf_file f;
        char why[512];
        int ok = elf_file_open(&f, paths[i], why, sizeof(why)) == 0 &&
                 otelctx__check_elf_view(&f.view, why, sizeof(why)) == 0;
        /* why quotes the path, and a file name may hold any byte. */
        printf("%s ", ok ? "PASS" : "FAIL");
        escape_string(stdout, why, ESCAPE_TEXT);
        putchar('\n');
        failed |= !ok;
        elf_file_close(&f);
    }
    return failed ? EXIT_CHECK_FAILED : 0;
}

/*
 * One reading. Whatever it found, the process may have exited meanwhile:
 * then neither a failure (vanished maps or files: "no slot"; a refused
 * thread: "permission") nor a half-taken snapshot is the answer, but 2. A
 * process seen before, or found in /proc this round (a zombie included),
 * "exited while it was read"; one absent from the start is "no process".
 */
static int inspect_once(pid_t pid, int json, int seen_before, struct strict_state *strict)
{
    struct target t;
    struct snapshot s;
    int ret = target_open(&t, pid);
    int existed = seen_before || ret != EXIT_GONE || t.comm[0] != '\0';

    if (ret == 0)
        ret = snapshot_take(&t, &s);
    if (existed && target_exited(pid)) {
        diag_drop();
        fprintf(stderr, "otelctx-inspect: process %d exited while it was read\n", (int)pid);
        if (ret == 0)
            snapshot_free(&s);
        ret = EXIT_GONE;
    } else {
        diag_flush();
        if (ret == 0) {
            if (json)
                print_json(stdout, &t, &s);
            else
                print_text(stdout, &t, &s);
            fflush(stdout);
            if (strict != NULL && strict_check(stderr, &t, &s, strict) > 0)
                ret = EXIT_STRICT;
            snapshot_free(&s);
        }
    }
    target_close(&t);
    return ret;
}

static int inspect(pid_t pid, int json, int strict, double interval, long count)
{
    struct strict_state state = {0};

    for (long round = 0; count == 0 || round < count; round++) {
        int ret = inspect_once(pid, json, round > 0, strict ? &state : NULL);
        if (ret != 0 || interval <= 0)
            return ret;
        struct timespec pause = {(time_t)interval, (long)((interval - (time_t)interval) * 1e9)};
        nanosleep(&pause, NULL);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int json = 0, strict = 0;
    double interval = 0;
    long count = 0;
    int i = 1;

    if (argc >= 3 && strcmp(argv[1], "check") == 0)
        return check_files(argc - 2, argv + 2);
    for (; i < argc - 1; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--strict") == 0) {
            strict = 1;
        } else if (strcmp(argv[i], "--watch") == 0 && i + 2 < argc) {
            interval = strtod(argv[++i], NULL);
            if (interval <= 0)
                return usage();
        } else if (strcmp(argv[i], "--count") == 0 && i + 2 < argc) {
            count = strtol(argv[++i], NULL, 10);
            if (count <= 0)
                return usage();
        } else {
            return usage();
        }
    }
    if (i != argc - 1 || (count > 0 && interval <= 0))
        return usage();
    char *end;
    long pid = strtol(argv[i], &end, 10);
    if (*end != '\0' || pid <= 0)
        return usage();
    return inspect((pid_t)pid, json, strict, interval, interval > 0 ? count : 1);
}
