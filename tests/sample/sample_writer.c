/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A busy writer for the sampler's tests: THREADS threads each switch their
 * record between two variants as fast as they can, and one more thread
 * spins with no record (its samples find NULL). Every record follows from
 * the SEED the test chose (sample_records.py derives the same bytes):
 *   trace id  SEED (4 bytes, big-endian), thread, variant, then ten 0x5a
 *   span id   0xa5, thread, variant, SEED (big-endian), 0x01
 *   flags     variant
 *   attributes key 0 "sample.thread" = "thread-T", key 1 "sample.variant" =
 *             "vV", and key 7, absent from the key map, = "un" ESC "named" (a
 *             control byte the output must escape)
 * Prints "ready" once every thread published; each line "spawn" on stdin
 * starts one more writer thread (the next thread number) and prints
 * "spawned T" once it published. Exits 0 when stdin closes.
 *
 * Usage: sample_writer THREADS SEED
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "otelctx.h"

enum { MAX_THREADS = 64, SPIN = 20000 };

static atomic_int stop;
static uint32_t seed;

struct writer {
    pthread_t thread;
    int number;
    atomic_int published;
};

static struct writer writers[MAX_THREADS];

static void publish(int thread, int variant)
{
    uint8_t trace[16], span[8];
    char name[16], value[8];

    for (int i = 0; i < 4; i++)
        trace[i] = (uint8_t)(seed >> (24 - 8 * i));
    trace[4] = (uint8_t)thread;
    trace[5] = (uint8_t)variant;
    memset(trace + 6, 0x5a, 10);
    span[0] = 0xa5;
    span[1] = (uint8_t)thread;
    span[2] = (uint8_t)variant;
    for (int i = 0; i < 4; i++)
        span[3 + i] = (uint8_t)(seed >> (24 - 8 * i));
    span[7] = 0x01;
    snprintf(name, sizeof(name), "thread-%d", thread);
    snprintf(value, sizeof(value), "v%d", variant);
    const otelctx_attr attrs[] = {{0, name, strlen(name)}, {1, value, strlen(value)},
                                  {7, "un\x1bnamed", 8}};
    CHECK_EQ(otelctx_update(trace, span, (uint8_t)variant, attrs, 3), 0);
}

/* Work between writes, so that samples land both inside and outside them. */
static void spin(void)
{
    for (volatile int i = 0; i < SPIN; i++)
        ;
}

static void *write_records(void *arg)
{
    struct writer *w = arg;

    publish(w->number, 0);
    atomic_store(&w->published, 1);
    for (int variant = 1; !atomic_load_explicit(&stop, memory_order_relaxed); variant ^= 1) {
        publish(w->number, variant);
        spin();
    }
    otelctx_detach();
    return NULL;
}

static void *spin_without_record(void *arg)
{
    (void)arg;
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
        spin();
    return NULL;
}

static void start_writer(int number)
{
    struct writer *w = &writers[number];

    w->number = number;
    CHECK_EQ(pthread_create(&w->thread, NULL, write_records, w), 0);
}

static void wait_published(int number)
{
    while (!atomic_load(&writers[number].published))
        sched_yield();
}

int main(int argc, char **argv)
{
    const otelctx_kv resource[] = {{"service.name", "sample-writer"}};
    pthread_t idle;
    char line[64];

    CHECK(argc == 3);
    int threads = atoi(argv[1]);
    seed = (uint32_t)strtoul(argv[2], NULL, 10);
    CHECK(threads >= 1 && threads < MAX_THREADS);
    CHECK_EQ(otelctx_key_index("sample.thread"), 0);
    CHECK_EQ(otelctx_key_index("sample.variant"), 1);
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
    for (int i = 0; i < threads; i++)
        start_writer(i);
    CHECK_EQ(pthread_create(&idle, NULL, spin_without_record, NULL), 0);
    for (int i = 0; i < threads; i++)
        wait_published(i);
    printf("ready\n");
    fflush(stdout);
    int n = threads;
    while (fgets(line, sizeof(line), stdin) != NULL) {
        if (strcmp(line, "spawn\n") != 0 || n == MAX_THREADS)
            continue;
        start_writer(n);
        wait_published(n);
        printf("spawned %d\n", n++);
        fflush(stdout);
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < n; i++)
        CHECK_EQ(pthread_join(writers[i].thread, NULL), 0);
    CHECK_EQ(pthread_join(idle, NULL), 0);
    return 0;
}
