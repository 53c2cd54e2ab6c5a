/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signal safety under fire. A writer thread publishes generation after
 * generation, mixing otelctx_update, otelctx_record_set on its attached
 * record, attach swaps and detaches; every byte of generation g (ids, flags,
 * keys, value bytes) is g mod 256 and the attribute count and lengths follow
 * from it. Another thread interrupts the writer continuously with a
 * real-time signal; the handler reads otel_thread_ctx_v1 the way an external
 * reader would and classifies: NULL, invalid (valid != 1), or consistent.
 * Anything else is torn and fails the test. The interrupted program
 * counters are then attributed to the library's exported entry points.
 *
 * Usage: test_signal_stress [MIN_OPERATIONS [MIN_READS]]
 */
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "check.h"
#include "generation.h"
#include "otelctx.h"

extern _Thread_local otelctx_record *otel_thread_ctx_v1;

enum { MAX_SAMPLES = 1 << 20 };

static atomic_uint handled;       /* signals the writer has taken */
static atomic_int stop_interrupting, interrupter_done;
static unsigned long n_null, n_invalid, n_consistent, n_torn;
static otelctx_record first_torn;
static uintptr_t *samples;        /* interrupted program counters */
static int *sample_kinds;         /* and the operation the writer was in */
static size_t n_samples;
static volatile int writer_kind = -1;
static const char *const kind_names[] = {"update", "record_set", "swap", "detach"};

/* ---- reader: runs in the signal handler, on the writer's thread --------- */

static int consistent(const otelctx_record *r)
{
    uint8_t g = r->trace_id[0];
    size_t pos = 0;

    for (size_t i = 0; i < 16; i++)
        if (r->trace_id[i] != g)
            return 0;
    for (size_t i = 0; i < 8; i++)
        if (r->span_id[i] != g)
            return 0;
    if (r->trace_flags != g || r->attrs_data_size > OTELCTX_ATTRS_CAPACITY)
        return 0;
    for (size_t i = 0; i < generation_attr_count(g); i++) {
        if (pos + 2 > r->attrs_data_size)
            return 0;
        size_t len = r->attrs_data[pos + 1];
        if (r->attrs_data[pos] != g || len != generation_attr_len(g, i) ||
            pos + 2 + len > r->attrs_data_size)
            return 0;
        for (size_t j = 0; j < len; j++)
            if (r->attrs_data[pos + 2 + j] != g)
                return 0;
        pos += 2 + len;
    }
    return pos == r->attrs_data_size;
}

static uintptr_t interrupted_pc(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#endif
}

static void on_signal(int sig, siginfo_t *info, void *context)
{
    otelctx_record copy;
    const otelctx_record *r = otel_thread_ctx_v1;

    (void)sig;
    (void)info;
    if (n_samples < MAX_SAMPLES) {
        sample_kinds[n_samples] = writer_kind;
        samples[n_samples++] = interrupted_pc(context);
    }
    if (r == NULL) {
        n_null++;
    } else {
        memcpy(&copy, r, sizeof(copy)); /* one snapshot, as a reader takes */
        if (copy.valid != 1)
            n_invalid++;
        else if (consistent(&copy))
            n_consistent++;
        else if (n_torn++ == 0)
            first_torn = copy;
    }
    atomic_fetch_add_explicit(&handled, 1, memory_order_release);
}

/* ---- writer ------------------------------------------------------------- */

static unsigned long min_operations = 2000000, min_reads = 100000;
static unsigned long operations;
static unsigned long op_count[4];

static void *writer_main(void *arg)
{
    otelctx_record *heap[2] = {otelctx_record_new(), otelctx_record_new()};

    (void)arg;
    CHECK(heap[0] != NULL && heap[1] != NULL);
    for (unsigned long g = 1;; g++) {
        CHECK_EQ(generation_publish(heap, otel_thread_ctx_v1,
                                    (unsigned)((g * 2654435761u) >> 13), (uint8_t)g,
                                    &writer_kind), 0);
        op_count[writer_kind]++;
        operations = g;
        if (g >= min_operations && atomic_load(&handled) >= min_reads)
            break;
        CHECK(g < min_operations * 1000); /* interrupts never arrived */
    }
    atomic_store(&stop_interrupting, 1);
    while (!atomic_load(&interrupter_done))
        sched_yield();
    otelctx_detach();
    otelctx_record_free(heap[0]);
    otelctx_record_free(heap[1]);
    return NULL;
}

/* One signal at a time: wait until the previous one was handled. */
static void *interrupter_main(void *arg)
{
    pthread_t writer = *(pthread_t *)arg;

    while (!atomic_load(&stop_interrupting)) {
        unsigned before = atomic_load_explicit(&handled, memory_order_acquire);
        CHECK_EQ(pthread_kill(writer, SIGRTMIN), 0);
        while (atomic_load_explicit(&handled, memory_order_acquire) == before &&
               !atomic_load(&stop_interrupting))
            sched_yield();
    }
    atomic_store(&interrupter_done, 1);
    return NULL;
}

/* ---- where the interrupts landed ---------------------------------------- */

struct landing {
    const char *name;
    unsigned long count;
};

static void report_landings(void)
{
    static char internal[4][64];
    struct landing landings[32] = {0};
    size_t n_landings = 0;
    Dl_info here;

    for (int k = 0; k < 4; k++)
        snprintf(internal[k], sizeof(internal[k]), "internal function, during %s", kind_names[k]);
    for (size_t i = 0; i < n_samples; i++) {
        const char *name = "outside libotelctx (test loop, libc)";
        if (dladdr((void *)samples[i], &here) != 0 && here.dli_fname != NULL &&
            strstr(here.dli_fname, "libotelctx") != NULL) {
            /* Hidden functions (otelctx__record_set, the accessor) have no
             * .dynsym name: they count for the operation that called them. */
            name = here.dli_sname;
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
    printf("interrupts by location (%zu sampled):\n", n_samples);
    for (size_t k = 0; k < n_landings; k++)
        printf("  %-40s %lu\n", landings[k].name, landings[k].count);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {0};
    pthread_t writer, interrupter;

    if (argc > 1)
        min_operations = strtoul(argv[1], NULL, 0);
    if (argc > 2)
        min_reads = strtoul(argv[2], NULL, 0);
    samples = calloc(MAX_SAMPLES, sizeof(*samples));
    sample_kinds = calloc(MAX_SAMPLES, sizeof(*sample_kinds));
    CHECK(samples != NULL && sample_kinds != NULL);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    CHECK_EQ(sigaction(SIGRTMIN, &sa, NULL), 0);

    CHECK_EQ(pthread_create(&writer, NULL, writer_main, NULL), 0);
    CHECK_EQ(pthread_create(&interrupter, NULL, interrupter_main, &writer), 0);
    CHECK_EQ(pthread_join(writer, NULL), 0);
    CHECK_EQ(pthread_join(interrupter, NULL), 0);

    unsigned long reads = n_null + n_invalid + n_consistent + n_torn;
    printf("writer: %lu operations (update %lu, record_set %lu, swap %lu, detach %lu)\n",
           operations, op_count[0], op_count[1], op_count[2], op_count[3]);
    printf("reads: %lu (NULL %lu, invalid %lu, consistent %lu, torn %lu)\n",
           reads, n_null, n_invalid, n_consistent, n_torn);
    report_landings();
    free(samples);
    free(sample_kinds);
    if (n_torn > 0) {
        fprintf(stderr, "torn record: header ");
        for (size_t i = 0; i < 28; i++)
            fprintf(stderr, "%02x", ((const uint8_t *)&first_torn)[i]);
        fprintf(stderr, "\n");
    }
    CHECK_EQ(n_torn, 0);
    CHECK(reads >= min_reads);
    CHECK(operations >= min_operations);
    CHECK(n_consistent > 0 && n_invalid > 0 && n_null > 0);
    return 0;
}
