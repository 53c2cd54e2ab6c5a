/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which loaded object's code an instruction pointer of the target is in:
 * the executable PT_LOAD segments of every object of a struct target, at
 * their run-time addresses, sorted for a binary search per sample.
 */
#ifndef OTELCTX_INSPECT_CODE_MAP_H
#define OTELCTX_INSPECT_CODE_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "target.h"

struct code_range {
    uint64_t start, end;        /* [start, end) */
    const char *path;           /* the object's, owned by the target's file set */
};

struct code_map {
    struct code_range *ranges;
    size_t n_ranges;
};

/* 0, or -ENOMEM. The map points into t: keep t open while it is used. */
int code_map_build(struct code_map *m, const struct target *t);
void code_map_free(struct code_map *m);

/* The path of the object whose code holds ip, or NULL (anonymous or JIT
 * memory, the vDSO, or an object mapped after the map was built). */
const char *code_map_find(const struct code_map *m, uint64_t ip);

#endif
