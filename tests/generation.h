/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Records that say which write they came from: every byte of generation g
 * (ids, flags, keys) is g mod 256, every value byte g mod 128 (values must
 * be UTF-8), and the attribute count and lengths follow from g. A reader
 * that finds anything else saw a torn record.
 */
#ifndef OTELCTX_TEST_GENERATION_H
#define OTELCTX_TEST_GENERATION_H

#include <string.h>

#include "otelctx.h"

enum { GENERATION_MAX_ATTRS = 4, GENERATION_MAX_LEN = 48 };

static inline size_t generation_attr_count(uint8_t g) { return 1 + g % GENERATION_MAX_ATTRS; }
static inline uint8_t generation_value_byte(uint8_t g) { return g & 0x7f; }
static inline size_t generation_attr_len(uint8_t g, size_t i)
{
    return (g * 7u + i * 13u) % GENERATION_MAX_LEN;
}

struct generation {
    uint8_t id[16], values[GENERATION_MAX_ATTRS][GENERATION_MAX_LEN];
    otelctx_attr attrs[GENERATION_MAX_ATTRS];
};

static inline void generation_make(struct generation *gen, uint8_t g)
{
    memset(gen->id, g, sizeof(gen->id));
    for (size_t i = 0; i < generation_attr_count(g); i++) {
        memset(gen->values[i], generation_value_byte(g), sizeof(gen->values[i]));
        gen->attrs[i] = (otelctx_attr){g, (const char *)gen->values[i], generation_attr_len(g, i)};
    }
}

/* The writer operations, for whoever interrupts them. */
enum generation_kind {
    GENERATION_UPDATE,          /* otelctx_update in place */
    GENERATION_RECORD_SET,      /* otelctx_record_set on the attached record */
    GENERATION_SWAP,            /* record_set on the other heap record, then attach */
    GENERATION_DETACH,
    GENERATION_KINDS
};
static const char *const generation_kind_names[GENERATION_KINDS] = {
    "update", "record_set", "swap", "detach"};

/* Publishes generation g with one of the writer operations, chosen by op
 * modulo 16 (record_set needs an attached record: swap otherwise). *kind is
 * set before the library is called, so a signal handler can tell what it
 * interrupted. Returns 0 or a negative error. */
static inline int generation_publish(otelctx_record *heap[2], otelctx_record *attached,
                                     unsigned op, uint8_t g, volatile int *kind)
{
    struct generation gen;

    generation_make(&gen, g);
    op %= 16;
    if (op < 5) {
        *kind = GENERATION_UPDATE;
        return otelctx_update(gen.id, gen.id, g, gen.attrs, generation_attr_count(g));
    }
    if (op < 10 && attached != NULL) {
        *kind = GENERATION_RECORD_SET;
        return otelctx_record_set(attached, gen.id, gen.id, g, gen.attrs,
                                  generation_attr_count(g));
    }
    if (op < 15) {
        otelctx_record *next = attached == heap[0] ? heap[1] : heap[0];
        *kind = GENERATION_SWAP;
        int ret = otelctx_record_set(next, gen.id, gen.id, g, gen.attrs,
                                     generation_attr_count(g));
        if (ret == 0 && otelctx_attach(next) != attached)
            return -1;
        return ret;
    }
    *kind = GENERATION_DETACH;
    return otelctx_detach() == attached ? 0 : -1;
}

#endif
