/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signal safety under fire. A writer thread publishes generation after
 * generation, cycling through every writer operation of tests/generation.h
 * (update, record_set, swap, detach, detach_if, update_span, attr_push and
 * attr_pop, record_invalidate), whose records say which write they came from. A per-thread timer
 * aimed at the writer interrupts it every few microseconds of wall time; the
 * handler reads otel_thread_ctx_v1 the way an external reader would and
 * classifies: NULL, invalid (valid != 1), or consistent. Anything else is
 * torn and fails the test.
 *
 * The interrupts come from the kernel's timer on the writer's own thread,
 * not from another thread: the test needs no second CPU, and a loaded
 * machine only slows it down. It stops when it has MIN_READS reads and, for
 * every operation, MIN_HITS interrupts that landed inside libotelctx while
 * that operation ran; it fails if that takes longer than BUDGET_SECONDS.
 * The interrupted program counters are then attributed to the library's
 * exported entry points.
 *
 * --nested: the handler is a writer too. After its read it calls one writer
 * on the thread's attached record (update, record_set, update_span,
 * attr_push + attr_pop, record_invalidate), whatever the interrupted code
 * was doing, then reads again. A call that returns -EBUSY must have changed
 * nothing (the record and the slot are compared byte for byte); one that
 * succeeds must leave a whole write. Both outcomes must occur, and the
 * writer itself checks, after its own calls, that the record is one whole
 * write. (A handler that writes a whole record between the interrupted
 * code's attr_push and attr_pop, two calls, would make that check fail
 * legitimately: then it only pushes and pops or changes the span.)
 *
 * Usage: test_signal_stress [--nested] [MIN_READS [BUDGET_SECONDS]]
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"
#include "generation.h"
#include "otelctx.h"

extern _Thread_local otelctx_record *otel_thread_ctx_v1;

/* musl names the field; glibc before 2.41 has only its own spelling. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

enum {
    MAX_SAMPLES = 1 << 20,
    MIN_HITS = 20,                  /* interrupts inside the library, per operation */
    MIN_INTERVAL_NS = 2000,         /* the timer's next expiry: 2 to 33 us away */
    INTERVAL_SPREAD_NS = 31000,
};

static unsigned long min_reads = 100000;
static double budget_seconds = 300;

/* Touched by the handler, which runs on the writer's thread: atomics keep
 * the compiler from caching them across the writer's loop. */
static atomic_ulong n_null, n_invalid, n_consistent, n_torn;
static atomic_ulong library_hits[GENERATION_KINDS];
static atomic_int stopping;
static otelctx_record first_torn;
static uintptr_t *samples;          /* interrupted program counters */
static int *sample_kinds;           /* and the operation the writer was in */
static size_t n_samples;
static volatile int writer_kind = -1;
static timer_t timer;
static uintptr_t library_start, library_end; /* libotelctx's executable segment */
static uint32_t interval_seed = 2463534242u;
static int nested;                  /* --nested */
static atomic_ulong n_nested_busy, n_nested_done, n_nested_failed, n_busy_changed, n_after_torn;
static unsigned nested_count;

/* ---- reader: runs in the signal handler, on the writer's thread --------- */

static uintptr_t interrupted_pc(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#endif
}

/* One-shot expiries at pseudo-random distances, so that the interrupts do
 * not fall into step with the writer's loop. */
static void arm_timer(void)
{
    interval_seed ^= interval_seed << 13;
    interval_seed ^= interval_seed >> 17;
    interval_seed ^= interval_seed << 5;
    struct itimerspec next = {
        .it_value = {0, MIN_INTERVAL_NS + (long)(interval_seed % INTERVAL_SPREAD_NS)}};
    CHECK_EQ(timer_settime(timer, 0, &next, NULL), 0);
}

/* One read of the slot and its record, as an external reader takes it. */
static void read_slot(void)
{
    otelctx_record copy;
    const otelctx_record *r = otel_thread_ctx_v1;

    if (r == NULL) {
        atomic_fetch_add_explicit(&n_null, 1, memory_order_relaxed);
    } else {
        memcpy(&copy, r, sizeof(copy)); /* one snapshot, as a reader takes */
        if (copy.valid != 1)
            atomic_fetch_add_explicit(&n_invalid, 1, memory_order_relaxed);
        else if (generation_consistent(&copy))
            atomic_fetch_add_explicit(&n_consistent, 1, memory_order_relaxed);
        else if (atomic_fetch_add_explicit(&n_torn, 1, memory_order_relaxed) == 0)
            first_torn = copy;
    }
}

/* The handler's own write to the attached record, on top of whatever the
 * interrupted code was writing. Generations 1..255 from its own counter. */
static void nested_write(int interrupted_kind)
{
    static const otelctx_attr pushed = {GENERATION_PUSHED_KEY, generation_pushed,
                                        sizeof(generation_pushed) - 1};
    otelctx_record *r = otel_thread_ctx_v1, before;
    struct generation gen;
    unsigned op = nested_count++;
    uint8_t g = (uint8_t)(1 + op % 255);
    int ret;

    if (r == NULL)
        return; /* otelctx_update would attach the own record under the writer */
    memcpy(&before, r, sizeof(before));
    generation_make(&gen, g);
    if (interrupted_kind == GENERATION_PUSH_POP)
        op = 2 + op % 2; /* no whole write between the writer's push and pop */
    switch (op % 5) {
    case 0:
        ret = otelctx_update(gen.id, gen.id, g, gen.attrs, generation_attr_count(g));
        break;
    case 1:
        ret = otelctx_record_set(r, gen.id, gen.id, g, gen.attrs, generation_attr_count(g));
        break;
    case 2:
        ret = r->trace_id[0] != 0 ? otelctx_update_span(gen.id) : otelctx_record_invalidate(r);
        break;
    case 3:
        ret = otelctx_attr_push(&pushed);
        if (ret == 0 && otelctx_attr_pop(1) != 1)
            ret = -1; /* the pop must remove what the push added */
        else if (ret == 1)
            ret = 0; /* no room: nothing to undo */
        break;
    default:
        ret = otelctx_record_invalidate(r);
        break;
    }
    if (ret == -EBUSY) {
        atomic_fetch_add_explicit(&n_nested_busy, 1, memory_order_relaxed);
        if (otel_thread_ctx_v1 != r || memcmp(&before, r, sizeof(before)) != 0)
            atomic_fetch_add_explicit(&n_busy_changed, 1, memory_order_relaxed);
    } else if (ret == 0) {
        atomic_fetch_add_explicit(&n_nested_done, 1, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&n_nested_failed, 1, memory_order_relaxed);
    }
}

static void on_signal(int sig, siginfo_t *info, void *context)
{
    uintptr_t pc = interrupted_pc(context);
    int kind = writer_kind;

    (void)sig;
    (void)info;
    if (n_samples < MAX_SAMPLES) {
        sample_kinds[n_samples] = kind;
        samples[n_samples++] = pc;
    }
    if (kind >= 0 && pc >= library_start && pc < library_end)
        atomic_fetch_add_explicit(&library_hits[kind], 1, memory_order_relaxed);
    read_slot();
    if (nested) {
        nested_write(kind);
        read_slot();
    }
    if (!atomic_load_explicit(&stopping, memory_order_relaxed))
        arm_timer();
}

/* --nested: after the writer's own call, the attached record is one whole
 * write (or invalid). Read with the timer's signal blocked, so that no
 * handler writes while it is copied. */
static void check_after_write(void)
{
    sigset_t timer_signal, old;
    otelctx_record copy;
    const otelctx_record *r;

    sigemptyset(&timer_signal);
    sigaddset(&timer_signal, SIGRTMIN);
    CHECK_EQ(pthread_sigmask(SIG_BLOCK, &timer_signal, &old), 0);
    r = otel_thread_ctx_v1;
    if (r != NULL)
        memcpy(&copy, r, sizeof(copy));
    CHECK_EQ(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
    if (r != NULL && copy.valid == 1 && !generation_consistent(&copy) &&
        atomic_fetch_add(&n_after_torn, 1) == 0)
        first_torn = copy;
}

static unsigned long reads(void)
{
    return atomic_load(&n_null) + atomic_load(&n_invalid) + atomic_load(&n_consistent) +
           atomic_load(&n_torn);
}

static int every_kind_hit(void)
{
    for (int k = 0; k < GENERATION_KINDS; k++)
        if (atomic_load(&library_hits[k]) < MIN_HITS)
            return 0;
    return 1;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* ---- writer ------------------------------------------------------------- */

static unsigned long operations, op_count[GENERATION_KINDS], writer_errors;
static double elapsed;

static void *writer_main(void *arg)
{
    otelctx_record *heap[2] = {otelctx_record_new(), otelctx_record_new()};
    struct sigevent to_me = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGRTMIN};
    struct timespec start;

    (void)arg;
    CHECK(heap[0] != NULL && heap[1] != NULL);
    to_me.sigev_notify_thread_id = gettid();
    CHECK_EQ(timer_create(CLOCK_MONOTONIC, &to_me, &timer), 0);
    clock_gettime(CLOCK_MONOTONIC, &start);
    arm_timer();
    for (unsigned long g = 1;; g++) {
        /* Counted, not checked at once: without the guard, a nested
         * write also changes what the writer's calls return, and the test
         * should report its torn records too. */
        if (generation_publish(heap, otel_thread_ctx_v1, (unsigned)((g * 2654435761u) >> 13),
                               (uint8_t)g, &writer_kind) != 0)
            writer_errors++;
        op_count[writer_kind]++;
        operations = g;
        if (nested && g % 16 == 0)
            check_after_write();
        if (reads() >= min_reads && every_kind_hit())
            break;
        if (g % 4096 == 0 && seconds_since(&start) > budget_seconds)
            break; /* main() reports what was missing */
    }
    atomic_store(&stopping, 1);
    writer_kind = -1;
    CHECK_EQ(timer_delete(timer), 0);
    elapsed = seconds_since(&start);
    otelctx_detach();
    otelctx_record_free(heap[0]);
    otelctx_record_free(heap[1]);
    return NULL;
}

/* ---- where the interrupts landed ---------------------------------------- */

static int find_library(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    if (info->dlpi_name == NULL || strstr(info->dlpi_name, "libotelctx") == NULL)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            library_start = info->dlpi_addr + ph->p_vaddr;
            library_end = library_start + ph->p_memsz;
            return 1;
        }
    }
    return 0;
}

struct landing {
    const char *name;
    unsigned long count;
};

static void report_landings(void)
{
    static char internal[GENERATION_KINDS][64];
    struct landing landings[32] = {0};
    size_t n_landings = 0;
    Dl_info here;

    for (int k = 0; k < GENERATION_KINDS; k++)
        snprintf(internal[k], sizeof(internal[k]), "internal function, during %s",
                 generation_kind_names[k]);
    for (size_t i = 0; i < n_samples; i++) {
        const char *name = "outside libotelctx (test loop, libc)";
        if (samples[i] >= library_start && samples[i] < library_end) {
            /* Hidden functions (otelctx__record_set, the accessor) have no
             * .dynsym name: they count for the operation that called them. */
            name = dladdr((void *)samples[i], &here) != 0 ? here.dli_sname : NULL;
            if (name == NULL)
                name = sample_kinds[i] >= 0 ? internal[sample_kinds[i]] : "internal function";
        }
        size_t k = 0;
        while (k < n_landings && strcmp(landings[k].name, name) != 0)
            k++;
        if (k == n_landings && n_landings < 32)
            landings[n_landings++].name = name;
        if (k < n_landings)
            landings[k].count++;
    }
    printf("interrupts inside libotelctx, by operation:");
    for (int k = 0; k < GENERATION_KINDS; k++)
        printf(" %s %lu", generation_kind_names[k], atomic_load(&library_hits[k]));
    printf("\ninterrupts by location (%zu sampled):\n", n_samples);
    for (size_t k = 0; k < n_landings; k++)
        printf("  %-40s %lu\n", landings[k].name, landings[k].count);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {0};
    pthread_t writer;

    if (argc > 1 && strcmp(argv[1], "--nested") == 0) {
        nested = 1;
        argc--;
        argv++;
    }
    if (argc > 1)
        min_reads = strtoul(argv[1], NULL, 0);
    if (argc > 2)
        budget_seconds = strtod(argv[2], NULL);
    dl_iterate_phdr(find_library, NULL);
    CHECK(library_start != 0); /* the test links libotelctx.so */
    samples = calloc(MAX_SAMPLES, sizeof(*samples));
    sample_kinds = calloc(MAX_SAMPLES, sizeof(*sample_kinds));
    CHECK(samples != NULL && sample_kinds != NULL);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    CHECK_EQ(sigaction(SIGRTMIN, &sa, NULL), 0);

    CHECK_EQ(pthread_create(&writer, NULL, writer_main, NULL), 0);
    CHECK_EQ(pthread_join(writer, NULL), 0);

    printf("writer: %lu operations in %.1f s (", operations, elapsed);
    for (int k = 0; k < GENERATION_KINDS; k++)
        printf("%s%s %lu", k ? ", " : "", generation_kind_names[k], op_count[k]);
    printf("; %lu failed)\nreads: %lu (NULL %lu, invalid %lu, consistent %lu, torn %lu)\n",
           writer_errors, reads(), atomic_load(&n_null), atomic_load(&n_invalid),
           atomic_load(&n_consistent), atomic_load(&n_torn));
    if (nested)
        printf("nested writes: %lu done, %lu failed, %lu refused with -EBUSY (%lu of them "
               "changed something); whole-write check after the writer's calls: %lu torn\n",
               atomic_load(&n_nested_done), atomic_load(&n_nested_failed),
               atomic_load(&n_nested_busy),
               atomic_load(&n_busy_changed), atomic_load(&n_after_torn));
    report_landings();
    free(samples);
    free(sample_kinds);
    if (atomic_load(&n_torn) > 0 || atomic_load(&n_after_torn) > 0) {
        fprintf(stderr, "torn record: header ");
        for (size_t i = 0; i < 28; i++)
            fprintf(stderr, "%02x", ((const uint8_t *)&first_torn)[i]);
        fprintf(stderr, "\n");
    }
    CHECK_EQ(atomic_load(&n_torn), 0);
    CHECK_EQ(atomic_load(&n_after_torn), 0);
    CHECK_EQ(writer_errors, 0);
    CHECK_EQ(atomic_load(&n_nested_failed), 0);
    CHECK_EQ(atomic_load(&n_busy_changed), 0);
    if (nested)
        CHECK(atomic_load(&n_nested_done) > 0 && atomic_load(&n_nested_busy) > 0);
    if (reads() < min_reads || !every_kind_hit()) {
        fprintf(stderr, "budget of %.0f s spent before %lu reads and %d interrupts inside the "
                "library during every operation (counts above)\n", budget_seconds, min_reads,
                MIN_HITS);
        return 1;
    }
    CHECK(atomic_load(&n_consistent) > 0 && atomic_load(&n_invalid) > 0 &&
          atomic_load(&n_null) > 0);
    return 0;
}
