/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attach / detach / current / swap, checked against the TLS variable itself:
 * the test reads otel_thread_ctx_v1 directly, as a reader would, rather than
 * trusting otelctx_current(). New threads start with NULL and threads never
 * see each other's slots.
 */
#include <pthread.h>

#include "check.h"
#include "otelctx.h"

extern _Thread_local otelctx_record *otel_thread_ctx_v1;

static pthread_barrier_t barrier;

static void *thread_main(void *arg)
{
    otelctx_record *mine = arg;

    CHECK(otel_thread_ctx_v1 == NULL);
    CHECK(otelctx_current() == NULL);
    CHECK(otelctx_attach(mine) == NULL);
    pthread_barrier_wait(&barrier); /* every thread has attached its own */
    CHECK(otel_thread_ctx_v1 == mine);
    CHECK(otelctx_current() == mine);
    pthread_barrier_wait(&barrier);
    CHECK(otelctx_detach() == mine);
    return NULL;
}

int main(void)
{
    otelctx_record *a = otelctx_record_new();
    otelctx_record *b = otelctx_record_new();
    CHECK(a != NULL && b != NULL);

    CHECK(otel_thread_ctx_v1 == NULL);
    CHECK(otelctx_current() == NULL);
    CHECK(otelctx_attach(a) == NULL);
    CHECK(otel_thread_ctx_v1 == a);
    CHECK(otelctx_attach(b) == a); /* swap returns the previous record */
    CHECK(otel_thread_ctx_v1 == b);
    CHECK(otelctx_current() == b);
    CHECK(otelctx_detach() == b);
    CHECK(otel_thread_ctx_v1 == NULL);
    CHECK(otelctx_detach() == NULL);
    CHECK(otelctx_attach(NULL) == NULL);

    enum { N = 4 };
    pthread_t threads[N];
    otelctx_record *records[N];
    CHECK(otelctx_attach(a) == NULL);
    CHECK_EQ(pthread_barrier_init(&barrier, NULL, N), 0);
    for (int i = 0; i < N; i++) {
        records[i] = otelctx_record_new();
        CHECK(records[i] != NULL);
        CHECK_EQ(pthread_create(&threads[i], NULL, thread_main, records[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        CHECK_EQ(pthread_join(threads[i], NULL), 0);
        otelctx_record_free(records[i]);
    }
    CHECK(otel_thread_ctx_v1 == a); /* untouched by the other threads */
    CHECK(otelctx_detach() == a);

    otelctx_record_free(a);
    otelctx_record_free(b);
    return 0;
}
