/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The writers of the torn-read test (torn_read.py samples them from the
 * kernel). Each of N threads publishes generation after generation, cycling
 * through every writer operation of tests/generation.h (update, record_set,
 * swap, detach, detach_if, update_span, attr_push and attr_pop,
 * record_invalidate), whose records say which write they came from.
 * Prints one "thread TID" line per writer, then "ready", and writes until
 * stdin closes; then it prints how many operations of each kind ran and
 * exits 0, or 1 if a writer call failed.
 *
 * Usage: torn_writer N
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "generation.h"
#include "otelctx.h"

enum { MAX_WRITERS = 8 };

struct writer {
    pthread_t thread;
    pid_t tid;
    unsigned long op_count[GENERATION_KINDS], errors;
    volatile int kind;
};

static struct writer writers[MAX_WRITERS];
static pthread_barrier_t started;
static atomic_int stopping; /* stdin closed */

static void *write_generations(void *arg)
{
    struct writer *w = arg;
    otelctx_record *heap[2] = {otelctx_record_new(), otelctx_record_new()};

    CHECK(heap[0] != NULL && heap[1] != NULL);
    w->tid = gettid();
    pthread_barrier_wait(&started);
    for (unsigned long g = 1; !atomic_load_explicit(&stopping, memory_order_relaxed); g++) {
        /* The multiplier scatters the operations so that none follows the
         * same other one every time. */
        if (generation_publish(heap, otelctx_current(), (unsigned)((g * 2654435761u) >> 13),
                               (uint8_t)g, &w->kind) != 0)
            w->errors++;
        w->op_count[w->kind]++;
    }
    otelctx_detach();
    otelctx_record_free(heap[0]);
    otelctx_record_free(heap[1]);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc == 2 ? atoi(argv[1]) : 0;
    unsigned long errors = 0;
    char line[64];

    if (n < 1 || n > MAX_WRITERS) {
        fprintf(stderr, "usage: torn_writer N (1..%d writer threads)\n", MAX_WRITERS);
        return 2;
    }
    CHECK_EQ(pthread_barrier_init(&started, NULL, (unsigned)n + 1), 0);
    for (int i = 0; i < n; i++)
        CHECK_EQ(pthread_create(&writers[i].thread, NULL, write_generations, &writers[i]), 0);
    pthread_barrier_wait(&started);
    for (int i = 0; i < n; i++)
        printf("thread %d\n", (int)writers[i].tid);
    printf("ready\n");
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL)
        ;
    atomic_store_explicit(&stopping, 1, memory_order_relaxed);
    for (int i = 0; i < n; i++) {
        CHECK_EQ(pthread_join(writers[i].thread, NULL), 0);
        printf("writer %d:", (int)writers[i].tid);
        for (int k = 0; k < GENERATION_KINDS; k++)
            printf(" %s %lu", generation_kind_names[k], writers[i].op_count[k]);
        printf("; %lu failed\n", writers[i].errors);
        errors += writers[i].errors;
    }
    return errors == 0 ? 0 : 1;
}
