/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otelctx-inspect: what a process publishes through otelctx, read from
 * outside as a profiler would, and the ELF rules of OTEP 4947 as a check.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "elf_file.h"
#include "escape.h"
#include "image.h"
#include "interrupt.h"
#include "output.h"
#include "sample.h"
#include "snapshot.h"
#include "strict.h"
#include "target.h"

static const char usage_text[] =
    "usage: otelctx-inspect check FILE...\n"
    "       otelctx-inspect [--json] [--strict] [--watch SECONDS [--count N]] PID\n"
    "       otelctx-inspect sample [--hz N] [--seconds S] [--json] PID\n"
    "\n"
    "check   applies OTEP 4947's ELF rules to each library or executable:\n"
    "        otel_thread_ctx_v1 a defined TLS GLOBAL DEFAULT symbol of .dynsym,\n"
    "        reached through TLSDESC only (an executable may be relaxed to\n"
    "        initial-exec or local-exec). Other TLS of the object is not judged.\n"
    "PID     prints the process context and every thread's record (glibc, or\n"
    "        musl on x86-64; needs ptrace permission). --json writes one JSON object\n"
    "        per reading; --watch repeats every SECONDS, up to 86400 (N times with\n"
    "        --count), and follows the process through exec.\n"
    "        --strict also applies the rules real readers apply (mapping names,\n"
    "        header, payload size, timestamps, schema, key map, slot size,\n"
    "        records) and reports each broken one on stderr.\n"
    "sample  the profiler's view: samples the process's threads while they run\n"
    "        (perf events, N Hz, default 999, up to 100000, for S seconds, default 5,\n"
    "        up to 3600) and reads each sampled thread's record in a BPF program,\n"
    "        as the eBPF profiler does; prints the records by samples, and the\n"
    "        samples that found NULL, an invalid record or unreadable memory.\n"
    "        x86-64 glibc builds only; needs root (CAP_BPF and CAP_PERFMON).\n"
    "\n"
    "exit status: 0 ok; 1 usage; 2 no such process, or it exited while read;\n"
    "3 permission denied (ptrace_scope, not root); 4 the process does not\n"
    "export otel_thread_ctx_v1; 5 its TLS cannot be resolved (neither glibc\n"
    "nor musl on x86-64); 6 check: a file breaks the rules or cannot be read;\n"
    "7 --strict: a reading breaks a reader's rule; 8 sample: BPF or perf events\n"
    "not permitted, or no kernel BTF; 128+N ended by signal N (SIGINT 130,\n"
    "SIGTERM 143), the process left running and untraced (sample: what was\n"
    "sampled is printed first).\n";

/* Limits of the command line: a day between readings, a billion readings,
 * and Linux's largest pid_max (PID_MAX_LIMIT, 4 Mi). */
enum { MAX_WATCH_SECONDS = 86400, MAX_COUNT = 1000000000, MAX_PID = 4194304 };

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

/* What --watch remembers between readings to follow an exec. */
struct watch {
    struct image last;          /* the image of the last reading */
    int have_last;
    int64_t exec_seen_ms;       /* when an exec was last seen, 0 if never */
    int announce;               /* an exec not yet reported */
};

/* A reading that an exec overtook is taken again, this many times. */
enum { EXEC_RETRIES = 3 };
/* Just after an exec the new program's dynamic linker is still loading its
 * libraries: "no slot" and "no TLS" are retried that long, this often. */
enum { EXEC_SETTLE_MS = 1000, EXEC_SETTLE_PAUSE_MS = 10 };

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(long ms)
{
    struct timespec pause = {ms / 1000, ms % 1000 * 1000000};
    nanosleep(&pause, NULL);
}

/* Notes an image seen; whether it differs from the last one. */
static int image_seen(struct watch *w, const struct image *now)
{
    int changed = w->have_last && !image_same(&w->last, now);

    if (changed) {
        w->exec_seen_ms = now_ms();
        w->announce = 1;
    }
    w->last = *now;
    w->have_last = 1;
    return changed;
}

static int settling(const struct watch *w)
{
    return w->exec_seen_ms != 0 && now_ms() - w->exec_seen_ms < EXEC_SETTLE_MS;
}

/*
 * One reading. Whatever it found, the process may have exited meanwhile:
 * then neither a failure (vanished maps or files: "no slot"; a refused
 * thread: "permission") nor a half-taken snapshot is the answer, but 2. A
 * process seen before, or found in /proc this round (a zombie included),
 * "exited while it was read"; one absent from the start is "no process".
 * A process that execs is located again: a reading an exec overtook is
 * taken again, and so is a reading of a new program still loading.
 */
static int inspect_once(pid_t pid, int json, int seen_before, struct strict_state *strict,
                        struct watch *w)
{
    struct target t;
    struct snapshot s;
    int ret;

    for (int attempt = 0;; attempt++) {
        struct image before, after;
        int have_before = image_of(pid, &before) == 0;
        if (have_before)
            image_seen(w, &before);
        ret = target_open(&t, pid);
        int existed = seen_before || ret != EXIT_GONE || t.comm[0] != '\0';
        if (ret == 0)
            ret = snapshot_take(&t, &s);
        if (ret > 128) {
            target_close(&t);
            return ret; /* ended by a signal: nothing more to say */
        }
        int overtaken = have_before && image_of(pid, &after) == 0 && image_seen(w, &after);
        int exited = existed && target_exited(pid);
        int retry = !exited && ((overtaken && attempt < EXEC_RETRIES) ||
                                ((ret == EXIT_NO_OTELCTX || ret == EXIT_NO_TLS) && settling(w)));
        if (exited) {
            diag_drop();
            fprintf(stderr, "otelctx-inspect: process %d exited while it was read\n", (int)pid);
            if (ret == 0)
                snapshot_free(&s);
            ret = EXIT_GONE;
        } else if (retry) {
            diag_drop();
            if (ret == 0)
                snapshot_free(&s);
        } else {
            if (w->announce) {
                char path[4096];
                image_path(pid, path, sizeof(path));
                diag("process %d executed %s: located again", (int)pid, path);
                w->announce = 0;
            }
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
        if (!retry)
            return ret;
        if (!overtaken)
            pause_ms(EXEC_SETTLE_PAUSE_MS);
    }
}

static int inspect(pid_t pid, int json, int strict, double interval, long count)
{
    struct strict_state state = {0};
    struct watch w = {0};

    for (long round = 0; count == 0 || round < count; round++) {
        int ret = inspect_once(pid, json, round > 0, strict ? &state : NULL, &w);
        if (ret != 0 || interval <= 0 || (count != 0 && round + 1 == count))
            return ret; /* no pause after the last reading */
        struct timespec pause = {(time_t)interval, (long)((interval - (time_t)interval) * 1e9)};
        nanosleep(&pause, NULL);
    }
    return 0;
}

static const char synopsis[] =
    "usage: otelctx-inspect [--json] [--strict] [--watch SECONDS [--count N]] PID, "
    "otelctx-inspect sample [--hz N] [--seconds S] [--json] PID, "
    "or otelctx-inspect check FILE...";

/* A command-line error: one line, status 1. */
__attribute__((format(printf, 1, 2))) static int bad_usage(const char *format, ...)
{
    va_list ap;

    fputs("otelctx-inspect: ", stderr);
    va_start(ap, format);
    vfprintf(stderr, format, ap);
    va_end(ap);
    fprintf(stderr, " (%s)\n", synopsis);
    return EXIT_USAGE;
}

/* A decimal integer in [min, max]: digits only, no sign, no blank. */
static int parse_decimal(const char *text, unsigned long long min, unsigned long long max,
                         unsigned long long *value)
{
    unsigned long long v = 0;

    if (*text == '\0')
        return -1;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        v = v * 10 + (unsigned)(*c - '0');
        if (v > max)
            return -1; /* before it could wrap */
    }
    if (v < min)
        return -1;
    *value = v;
    return 0;
}

/* Seconds in (0, max]: a plain decimal number, finite. */
static int parse_seconds(const char *text, double max, double *value)
{
    char *end;

    if (!((*text >= '0' && *text <= '9') || *text == '.'))
        return -1; /* no sign, blank, "nan" or "inf" */
    errno = 0;
    double v = strtod(text, &end);
    if (*end != '\0' || errno != 0 || !isfinite(v) || v <= 0 || v > max)
        return -1;
    *value = v;
    return 0;
}

static int install_interrupt(void)
{
    if (interrupt_install() == 0)
        return 0;
    fprintf(stderr, "otelctx-inspect: cannot install the SIGINT and SIGTERM handlers: %s\n",
            strerror(errno));
    return EXIT_USAGE;
}

/* otelctx-inspect sample [--hz N] [--seconds S] [--json] PID */
static int sample_command(int argc, char **argv)
{
    struct sample_options o = {.hz = SAMPLE_DEFAULT_HZ, .seconds = SAMPLE_DEFAULT_SECONDS};
    unsigned long long value;
    int i = 2;

    for (; i < argc - 1; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            o.json = 1;
        } else if (strcmp(argv[i], "--hz") == 0 && i + 2 < argc) {
            if (parse_decimal(argv[++i], 1, SAMPLE_MAX_HZ, &value) != 0)
                return bad_usage("--hz takes a whole number in [1, %d], not '%s'", SAMPLE_MAX_HZ,
                                 argv[i]);
            o.hz = (unsigned)value;
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 2 < argc) {
            if (parse_seconds(argv[++i], SAMPLE_MAX_SECONDS, &o.seconds) != 0)
                return bad_usage("--seconds takes a number of seconds in (0, %d], not '%s'",
                                 SAMPLE_MAX_SECONDS, argv[i]);
        } else {
            return bad_usage("unexpected argument '%s'", argv[i]);
        }
    }
    if (i != argc - 1)
        return bad_usage("sample needs a PID");
    if (parse_decimal(argv[i], 1, MAX_PID, &value) != 0)
        return bad_usage("PID must be a whole number in [1, %d], not '%s'", MAX_PID, argv[i]);
    o.pid = (pid_t)value;
    int ret = install_interrupt();
    return ret != 0 ? ret : sample_run(&o);
}

int main(int argc, char **argv)
{
    int json = 0, strict = 0;
    double interval = 0;
    unsigned long long count = 0, pid;
    int i = 1;

    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "check") == 0) {
        if (argc < 3)
            return bad_usage("check needs at least one FILE");
        return check_files(argc - 2, argv + 2);
    }
    if (strcmp(argv[1], "sample") == 0)
        return sample_command(argc, argv);
    for (; i < argc - 1; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--strict") == 0) {
            strict = 1;
        } else if (strcmp(argv[i], "--watch") == 0 && i + 2 < argc) {
            if (parse_seconds(argv[++i], MAX_WATCH_SECONDS, &interval) != 0)
                return bad_usage("--watch takes a number of seconds in (0, %d], not '%s'",
                                 MAX_WATCH_SECONDS, argv[i]);
        } else if (strcmp(argv[i], "--count") == 0 && i + 2 < argc) {
            if (parse_decimal(argv[++i], 1, MAX_COUNT, &count) != 0)
                return bad_usage("--count takes a whole number in [1, %d], not '%s'", MAX_COUNT,
                                 argv[i]);
        } else {
            return bad_usage("unexpected argument '%s'", argv[i]);
        }
    }
    if (i != argc - 1)
        return bad_usage("a PID is needed");
    if (count > 0 && interval <= 0)
        return bad_usage("--count needs --watch");
    if (parse_decimal(argv[i], 1, MAX_PID, &pid) != 0)
        return bad_usage("PID must be a whole number in [1, %d], not '%s'", MAX_PID, argv[i]);
    if (install_interrupt() != 0)
        return EXIT_USAGE;
    return inspect((pid_t)pid, json, strict, interval, interval > 0 ? (long)count : 1);
}
