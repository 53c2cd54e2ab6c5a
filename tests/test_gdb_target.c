/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process for out-of-process readers: registers two keys, publishes the
 * process context, then on 3 threads attaches records whose span id starts
 * with the thread number t and whose attributes are http.method = "GET-t"
 * and http.route = "/route/t". Prints "ready" and sleeps until killed.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "otelctx.h"

enum { THREADS = 3 };

static int method_key, route_key;
static pthread_barrier_t published;

static void *publish(void *arg)
{
    int t = (int)(intptr_t)arg;
    char method[16], route[16];
    const uint8_t trace_id[16] = {0xee, (uint8_t)t};
    const uint8_t span_id[8] = {(uint8_t)t, 0x5a};
    const otelctx_attr attrs[] = {
        {(uint8_t)method_key, method, (size_t)snprintf(method, sizeof(method), "GET-%d", t)},
        {(uint8_t)route_key, route, (size_t)snprintf(route, sizeof(route), "/route/%d", t)},
    };

    CHECK_EQ(otelctx_update(trace_id, span_id, 1, attrs, 2), 0);
    pthread_barrier_wait(&published);
    for (;;)
        pause();
    return NULL;
}

int main(void)
{
    const otelctx_kv resource[] = {{"service.name", "gdb-target"}};
    pthread_t threads[THREADS];

    method_key = otelctx_key_index("http.method");
    route_key = otelctx_key_index("http.route");
    CHECK(method_key >= 0 && route_key >= 0);
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
    CHECK_EQ(pthread_barrier_init(&published, NULL, THREADS + 1), 0);
    for (int t = 1; t <= THREADS; t++)
        CHECK_EQ(pthread_create(&threads[t - 1], NULL, publish, (void *)(intptr_t)t), 0);
    pthread_barrier_wait(&published);
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
}
