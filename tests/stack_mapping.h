/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether an address lies in the mapping of the calling thread's stack:
 * glibc and musl put a thread's static TLS block there, so a writer can
 * tell a slot in static TLS from one in a dynamically allocated block.
 */
#ifndef OTELCTX_TESTS_STACK_MAPPING_H
#define OTELCTX_TESTS_STACK_MAPPING_H

#include <stdint.h>
#include <stdio.h>

#include "check.h"

static int in_stack_mapping(const void *address)
{
    int local = 0;
    uintptr_t stack = (uintptr_t)&local, target = (uintptr_t)address;
    char line[512];
    int same = 0;
    FILE *maps = fopen("/proc/self/maps", "r");

    CHECK(maps != NULL);
    while (fgets(line, sizeof(line), maps) != NULL) {
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx", &start, &end) == 2 && stack >= start && stack < end)
            same = target >= start && target < end;
    }
    fclose(maps);
    return same;
}

#endif
