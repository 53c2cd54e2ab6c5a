/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C row of bench/runtimes_cost.sh: the two call pairs every runtime's
 * binding is measured on, made straight through libotelctx.so, timed the way
 * the bindings' own cost scripts time them (warm-up runs, then the median of
 * several runs of many iterations, ns per pair):
 *   update + detach    otelctx_update_attrset (fresh span id, a prepared set
 *                      of 2 attributes, as the JNI binding publishes) then
 *                      otelctx_detach: a span published in place and ended
 *   attach + restore   otelctx_attach of a prepared record, then of what it
 *                      returned
 * Prints "C UPDATE_DETACH_NS ATTACH_RESTORE_NS".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <otelctx.h>

enum { ITERATIONS = 2000000, WARM_UP_RUNS = 2, RUNS = 7 };

static const uint8_t trace_id[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                                     0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
static otelctx_attrset *attrs;
static otelctx_record *prepared;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void fail(const char *what, int ret)
{
    fprintf(stderr, "runtime_cost: %s: %s\n", what, otelctx_strerror(ret));
    exit(1);
}

static void update_detach(void)
{
    uint8_t span_id[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
    for (uint32_t i = 1; i <= ITERATIONS; i++) {
        memcpy(span_id, &i, sizeof(i)); /* a new span each time */
        int ret = otelctx_update_attrset(trace_id, span_id, 0x01, attrs);
        if (ret != 0)
            fail("otelctx_update_attrset", ret);
        otelctx_detach();
    }
}

static void attach_restore(void)
{
    for (uint32_t i = 0; i < ITERATIONS; i++) {
        otelctx_record *previous = otelctx_attach(prepared);
        otelctx_attach(previous);
    }
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median ns per iteration of RUNS timed runs, after the warm-up. */
static double median_ns(void (*loop)(void))
{
    double runs[RUNS];
    for (int i = 0; i < WARM_UP_RUNS; i++)
        loop();
    for (int i = 0; i < RUNS; i++) {
        double start = now_ns();
        loop();
        runs[i] = (now_ns() - start) / ITERATIONS;
    }
    qsort(runs, RUNS, sizeof(runs[0]), by_value);
    return runs[RUNS / 2];
}

int main(void)
{
    int method = otelctx_key_index("http.method");
    int route = otelctx_key_index("http.route");
    if (method < 0 || route < 0)
        fail("otelctx_key_index", method < 0 ? method : route);
    const otelctx_attr two[] = {{(uint8_t)method, "GET", 3}, {(uint8_t)route, "/api/v1", 7}};
    int left_out;
    attrs = otelctx_attrset_new(two, 2, &left_out);
    prepared = otelctx_record_new();
    if (attrs == NULL || prepared == NULL)
        fail("otelctx_attrset_new or otelctx_record_new", -ENOMEM);
    if (left_out != 0)
        fail("otelctx_attrset_new left an attribute out", left_out);
    static const uint8_t span_id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int ret = otelctx_record_set_attrset(prepared, trace_id, span_id, 0x01, attrs);
    if (ret != 0)
        fail("otelctx_record_set_attrset", ret);

    double update = median_ns(update_detach);
    double attach = median_ns(attach_restore);
    printf("C %.1f %.1f\n", update, attach);
    otelctx_record_free(prepared);
    otelctx_attrset_free(attrs);
    return 0;
}
