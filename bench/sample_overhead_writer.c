/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The busy writer of the sampling-overhead benchmark (bench/sample_overhead.py
 * drives it): one thread calling otelctx_update with two attributes, in
 * batches timed by the thread's CPU time (CLOCK_THREAD_CPUTIME_ID): time
 * the thread spends preempted by the rest of a busy machine does not count,
 * the sampling interrupt and its BPF program do — on a kernel without
 * CONFIG_IRQ_TIME_ACCOUNTING, which charges interrupts to the thread they
 * interrupt (sample_overhead.py checks the kernel's config and says so).
 * The median batch is the figure.
 *
 * Usage: sample_overhead_writer OPS_PER_BATCH BATCHES
 * Prints "ready" once its record and the process context exist, runs the
 * batches after reading a line "go", prints "ns_per_op MEDIAN_BATCH_NS_PER_OP",
 * then exits when stdin reaches end of file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otelctx.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void fail(const char *what)
{
    fprintf(stderr, "sample_overhead_writer: %s\n", what);
    exit(1);
}

int main(int argc, char **argv)
{
    char line[64];

    if (argc != 3)
        fail("usage: sample_overhead_writer OPS_PER_BATCH BATCHES");
    long ops = strtol(argv[1], NULL, 10), batches = strtol(argv[2], NULL, 10);
    if (ops <= 0 || batches <= 0)
        fail("OPS_PER_BATCH and BATCHES must be positive");
    double *ns_per_op = calloc((size_t)batches, sizeof(*ns_per_op));
    int method = otelctx_key_index("http.method"), route = otelctx_key_index("http.route");
    if (ns_per_op == NULL || method < 0 || route < 0)
        fail("setup failed");
    uint8_t trace_id[16] = {1}, span_id[8] = {1};
    otelctx_attr attrs[2] = {{.key = (uint8_t)method, .value = "GET", .len = 3},
                             {.key = (uint8_t)route, .value = "/api/v1/items", .len = 13}};
    if (otelctx_update(trace_id, span_id, 1, attrs, 2) != 0)
        fail("otelctx_update failed");
    printf("ready\n");
    fflush(stdout);
    if (fgets(line, sizeof(line), stdin) == NULL || strcmp(line, "go\n") != 0)
        fail("expected a line \"go\" on stdin");
    for (long b = 0; b < batches; b++) {
        uint64_t start = now_ns();
        for (long i = 0; i < ops; i++) {
            /* A new span id each time, as a tracer entering spans does. */
            span_id[0] = (uint8_t)(i | 1);
            span_id[1] = (uint8_t)(i >> 8);
            if (otelctx_update(trace_id, span_id, 1, attrs, 2) != 0)
                fail("otelctx_update failed");
        }
        ns_per_op[b] = (double)(now_ns() - start) / (double)ops;
    }
    qsort(ns_per_op, (size_t)batches, sizeof(*ns_per_op), by_value);
    printf("ns_per_op %.3f\n", ns_per_op[batches / 2]);
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL)
        continue;
    free(ns_per_op);
    return 0;
}
