/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Driver for bench/instructions.sh: N operations of one kind, run under
 * callgrind with collection toggled on inside the library entry point only,
 * so the count is the library's instructions (TLSDESC resolver included),
 * not this loop's.
 *
 * Usage: instr_driver swap|in_place|current N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otelctx.h"

static const otelctx_attr two_attrs[] = {{1, "GET", 3}, {2, "/api/v1", 7}};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s swap|in_place|current N\n", argv[0]);
        return 2;
    }
    const char *op = argv[1];
    unsigned long n = strtoul(argv[2], NULL, 0);
    otelctx_record *records[2] = {otelctx_record_new(), otelctx_record_new()};
    uint8_t trace[16] = {1}, span[8] = {2};
    volatile uintptr_t sink = 0;

    if (records[0] == NULL || records[1] == NULL)
        return 1;
    otelctx_attach(records[0]);
    if (strcmp(op, "swap") == 0) {
        for (unsigned long i = 0; i < n; i++)
            sink = (uintptr_t)otelctx_attach(records[i & 1]);
    } else if (strcmp(op, "in_place") == 0) {
        for (unsigned long i = 0; i < n; i++) {
            memcpy(trace + 8, &i, sizeof(i));
            memcpy(span, &i, sizeof(i));
            sink = (uintptr_t)otelctx_update(trace, span, 1, two_attrs, 2);
        }
    } else if (strcmp(op, "current") == 0) {
        for (unsigned long i = 0; i < n; i++)
            sink = (uintptr_t)otelctx_current();
    } else {
        fprintf(stderr, "unknown operation %s\n", op);
        return 2;
    }
    (void)sink;
    otelctx_detach();
    otelctx_record_free(records[0]);
    otelctx_record_free(records[1]);
    return 0;
}
