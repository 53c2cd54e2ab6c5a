/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otelctx_update: in place on the attached record (pointer kept), or on the
 * thread's own record when nothing is attached. Threads that used it exit
 * without leaking; run under valgrind memcheck by ctest and ./test.sh.
 */
#include <pthread.h>
#include <string.h>

#include "check.h"
#include "otelctx.h"

extern _Thread_local otelctx_record *otel_thread_ctx_v1;

static const uint8_t trace_id[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
static const uint8_t span_id[8] = {1, 3, 5, 7, 9, 11, 13, 15};

static void check_in_place(void)
{
    otelctx_record *record = otelctx_record_new();
    const otelctx_attr attr = {.key = 2, .value = "/api/v1", .len = 7};
    CHECK(record != NULL);
    CHECK(otelctx_attach(record) == NULL);

    CHECK_EQ(otelctx_update(trace_id, span_id, 1, &attr, 1), 0);
    CHECK(otel_thread_ctx_v1 == record);
    CHECK(memcmp(record->trace_id, trace_id, 16) == 0);
    CHECK(memcmp(record->span_id, span_id, 8) == 0);
    CHECK_EQ(record->attrs_data_size, 9);
    CHECK_EQ(record->valid, 1);

    CHECK_EQ(otelctx_update(NULL, NULL, 0, NULL, 0), 0);
    CHECK(otel_thread_ctx_v1 == record);
    CHECK_EQ(record->attrs_data_size, 0);
    CHECK_EQ(record->trace_id[0], 0);

    CHECK(otelctx_detach() == record);
    otelctx_record_free(record);
}

static void *own_record_thread(void *arg)
{
    (void)arg;
    CHECK(otel_thread_ctx_v1 == NULL);
    CHECK_EQ(otelctx_update(trace_id, span_id, 1, NULL, 0), 0);
    otelctx_record *own = otel_thread_ctx_v1;
    CHECK(own != NULL);
    CHECK(memcmp(own->trace_id, trace_id, 16) == 0);
    CHECK_EQ(own->valid, 1);

    /* Detach and update again: the same own record comes back. */
    CHECK(otelctx_detach() == own);
    CHECK_EQ(otelctx_update(NULL, NULL, 0, NULL, 0), 0);
    CHECK(otel_thread_ctx_v1 == own);
    return NULL;
}

int main(void)
{
    check_in_place();

    enum { N = 8 };
    pthread_t threads[N];
    for (int i = 0; i < N; i++)
        CHECK_EQ(pthread_create(&threads[i], NULL, own_record_thread, NULL), 0);
    for (int i = 0; i < N; i++)
        CHECK_EQ(pthread_join(threads[i], NULL), 0);
    CHECK(otel_thread_ctx_v1 == NULL);

    /* The main thread's own record is released at exit like any other. */
    CHECK_EQ(otelctx_update(trace_id, span_id, 0, NULL, 0), 0);
    CHECK(otel_thread_ctx_v1 != NULL);
    pthread_exit(NULL);
}
