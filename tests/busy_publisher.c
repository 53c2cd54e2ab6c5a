/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process that never stops publishing, for out-of-process readers: three
 * threads write generation after generation (tests/generation.h), mixing
 * updates, record_set, swaps and detaches, and the process context names
 * their key indexes. Prints "ready" and runs until stdin closes.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "check.h"
#include "generation.h"
#include "otelctx.h"

enum { THREADS = 3 };

static atomic_int stop;

static void *writer(void *arg)
{
    otelctx_record *heap[2] = {otelctx_record_new(), otelctx_record_new()};
    unsigned seed = (unsigned)(uintptr_t)arg;

    CHECK(heap[0] != NULL && heap[1] != NULL);
    for (unsigned long g = 1; !atomic_load_explicit(&stop, memory_order_relaxed); g++) {
        volatile int kind;
        CHECK_EQ(generation_publish(heap, otelctx_current(),
                                    (unsigned)((g * 2654435761u + seed) >> 13), (uint8_t)g, &kind), 0);
    }
    otelctx_detach();
    otelctx_record_free(heap[0]);
    otelctx_record_free(heap[1]);
    return NULL;
}

int main(void)
{
    const otelctx_kv resource[] = {{"service.name", "busy-publisher"}};
    pthread_t threads[THREADS];
    char line[64];

    for (int k = 0; k < 256; k++) {
        char name[32];
        snprintf(name, sizeof(name), "key.%d", k);
        CHECK_EQ(otelctx_key_index(name), k);
    }
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
    for (int i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_create(&threads[i], NULL, writer, (void *)(uintptr_t)(i * 7919)), 0);
    printf("ready\n");
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL)
        ;
    atomic_store(&stop, 1);
    for (int i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_join(threads[i], NULL), 0);
    return 0;
}
