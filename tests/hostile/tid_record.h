/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record a hostile target's thread publishes, derived from its own tid
 * and an index, so that a driver can check every record it is shown against
 * the thread it is shown for (control.py decodes the same layout):
 * trace id 7e 1d, tid (4 bytes big-endian), index (4 bytes big-endian),
 * zeros; span id index + 1 (8 bytes big-endian); flags 01; no attributes.
 */
#ifndef OTELCTX_HOSTILE_TID_RECORD_H
#define OTELCTX_HOSTILE_TID_RECORD_H

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"

#include "otelctx.h"

typedef int (*tid_record_update_fn)(const uint8_t trace_id[16], const uint8_t span_id[8],
                                    uint8_t trace_flags, const otelctx_attr *attrs, size_t n_attrs);

static inline void tid_record_ids(uint32_t index, uint8_t trace_id[16], uint8_t span_id[8])
{
    uint32_t tid = (uint32_t)gettid();
    uint64_t span = (uint64_t)index + 1;

    for (int i = 0; i < 16; i++)
        trace_id[i] = 0;
    trace_id[0] = 0x7e;
    trace_id[1] = 0x1d;
    for (int i = 0; i < 4; i++) {
        trace_id[2 + i] = (uint8_t)(tid >> (24 - 8 * i));
        trace_id[6 + i] = (uint8_t)(index >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++)
        span_id[i] = (uint8_t)(span >> (56 - 8 * i));
}

/* Publishes the calling thread's record through update (otelctx_update, or
 * the one of a dlopen'ed copy); its return value. */
static inline int tid_record_publish_with(tid_record_update_fn update, uint32_t index)
{
    uint8_t trace_id[16], span_id[8];

    tid_record_ids(index, trace_id, span_id);
    return update(trace_id, span_id, 1, NULL, 0);
}

static inline int tid_record_publish(uint32_t index)
{
    return tid_record_publish_with(otelctx_update, index);
}

static sem_t tid_record_published;

/* A thread that publishes record index (its argument) and waits forever. */
static inline void *tid_record_thread(void *index)
{
    CHECK_EQ(tid_record_publish((uint32_t)(uintptr_t)index), 0);
    CHECK_EQ(sem_post(&tid_record_published), 0);
    for (;;)
        pause();
    return NULL;
}

/* Starts n such threads (indexes 0 to n - 1; stack_size 0: the default) and
 * returns once every one has published. */
static inline void tid_record_threads(size_t n, size_t stack_size)
{
    pthread_attr_t attr;

    CHECK_EQ(sem_init(&tid_record_published, 0, 0), 0);
    CHECK_EQ(pthread_attr_init(&attr), 0);
    if (stack_size != 0)
        CHECK_EQ(pthread_attr_setstacksize(&attr, stack_size), 0);
    for (size_t i = 0; i < n; i++) {
        pthread_t thread;
        CHECK_EQ(pthread_create(&thread, &attr, tid_record_thread, (void *)(uintptr_t)i), 0);
    }
    CHECK_EQ(pthread_attr_destroy(&attr), 0);
    for (size_t i = 0; i < n; i++)
        while (sem_wait(&tid_record_published) != 0)
            ;
}

#endif
