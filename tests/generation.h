/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Records that say which write they came from: every byte of generation g
 * (trace id, flags, keys) is g mod 256, every value byte g mod 128 (values
 * must be UTF-8), and the attribute count and lengths follow from g. The
 * span id is g's too, or, after otelctx_update_span, eight equal bytes of
 * another non-zero value; otelctx_attr_push may have added one more entry,
 * PUSHED_KEY with the value "pushed!". A reader that finds anything else
 * saw a torn record (generation_consistent).
 */
#ifndef OTELCTX_TEST_GENERATION_H
#define OTELCTX_TEST_GENERATION_H

#include <errno.h>
#include <string.h>

#include "otelctx.h"

enum { GENERATION_MAX_ATTRS = 4, GENERATION_MAX_LEN = 48, GENERATION_PUSHED_KEY = 0xee };
static const char generation_pushed[] = "pushed!";

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

/* Whether r is one whole generation (the rules above). */
static inline int generation_consistent(const otelctx_record *r)
{
    uint8_t g = r->trace_id[0], s = r->span_id[0];
    size_t pos = 0;

    for (size_t i = 0; i < 16; i++)
        if (r->trace_id[i] != g)
            return 0;
    for (size_t i = 0; i < 8; i++)
        if (r->span_id[i] != s)
            return 0;
    if ((s == 0) != (g == 0) || r->trace_flags != g || r->attrs_data_size > OTELCTX_ATTRS_CAPACITY)
        return 0;
    for (size_t i = 0; i < generation_attr_count(g); i++) {
        if (pos + 2 > r->attrs_data_size)
            return 0;
        size_t len = r->attrs_data[pos + 1];
        if (r->attrs_data[pos] != g || len != generation_attr_len(g, i) ||
            pos + 2 + len > r->attrs_data_size)
            return 0;
        for (size_t j = 0; j < len; j++)
            if (r->attrs_data[pos + 2 + j] != generation_value_byte(g))
                return 0;
        pos += 2 + len;
    }
    if (pos + 2 + sizeof(generation_pushed) - 1 == r->attrs_data_size &&
        r->attrs_data[pos] == GENERATION_PUSHED_KEY &&
        r->attrs_data[pos + 1] == sizeof(generation_pushed) - 1 &&
        memcmp(&r->attrs_data[pos + 2], generation_pushed, sizeof(generation_pushed) - 1) == 0)
        return 1;
    return pos == r->attrs_data_size;
}

/* The writer operations, for whoever interrupts them. */
enum generation_kind {
    GENERATION_UPDATE,          /* otelctx_update in place */
    GENERATION_RECORD_SET,      /* otelctx_record_set on the attached record */
    GENERATION_SWAP,            /* record_set on the other heap record, then attach */
    GENERATION_DETACH,
    GENERATION_DETACH_IF,       /* otelctx_detach_if of the attached record */
    GENERATION_UPDATE_SPAN,     /* a new span id for the attached record */
    GENERATION_PUSH_POP,        /* otelctx_attr_push, then otelctx_attr_pop(1) */
    GENERATION_INVALIDATE,      /* otelctx_record_invalidate of the attached record */
    GENERATION_UPDATE_ATTRSET,  /* otelctx_update_attrset in place, the set prepared once */
    GENERATION_KINDS
};
static const char *const generation_kind_names[GENERATION_KINDS] = {
    "update", "record_set", "swap", "detach", "detach_if", "update_span", "push_pop",
    "invalidate", "update_attrset"};

/* Publishes generation g with one of the writer operations, chosen by op
 * modulo 32 (the ones on the attached record need one: swap otherwise;
 * update_span needs a trace). *kind is set before the library is called,
 * so a signal handler can tell what it interrupted. Returns 0 or a negative
 * error. */
static inline int generation_publish(otelctx_record *heap[2], otelctx_record *attached,
                                     unsigned op, uint8_t g, volatile int *kind)
{
    static const otelctx_attr pushed = {GENERATION_PUSHED_KEY, generation_pushed,
                                        sizeof(generation_pushed) - 1};
    struct generation gen;

    /* One prepared set per generation, made the first time it is needed
     * (outside any handler: only the writer thread publishes). */
    static otelctx_attrset *sets[256];

    generation_make(&gen, g);
    op %= 32;
    if (op >= 6 && op < 8) {
        if (sets[g] == NULL)
            sets[g] = otelctx_attrset_new(gen.attrs, generation_attr_count(g), NULL);
        if (sets[g] == NULL)
            return -ENOMEM;
        *kind = GENERATION_UPDATE_ATTRSET;
        return otelctx_update_attrset(gen.id, gen.id, g, sets[g]);
    }
    if (op < 8) {
        *kind = GENERATION_UPDATE;
        return otelctx_update(gen.id, gen.id, g, gen.attrs, generation_attr_count(g));
    }
    if (attached != NULL) {
        if (op < 14) {
            *kind = GENERATION_RECORD_SET;
            return otelctx_record_set(attached, gen.id, gen.id, g, gen.attrs,
                                      generation_attr_count(g));
        }
        if (op == 20) {
            *kind = GENERATION_DETACH;
            return otelctx_detach() == attached ? 0 : -1;
        }
        if (op == 21) {
            *kind = GENERATION_DETACH_IF;
            return otelctx_detach_if(attached) == attached ? 0 : -1;
        }
        if (op >= 22 && op < 26 && attached->trace_id[0] != 0 && g != 0) {
            *kind = GENERATION_UPDATE_SPAN;
            return otelctx_update_span(gen.id);
        }
        if (op >= 26 && op < 30) {
            *kind = GENERATION_PUSH_POP;
            int pushed_ret = otelctx_attr_push(&pushed);
            if (pushed_ret != 0) /* 1: no room, nothing to pop */
                return pushed_ret < 0 ? pushed_ret : 0;
            return otelctx_attr_pop(1) == 1 ? 0 : -1;
        }
        if (op == 30) {
            *kind = GENERATION_INVALIDATE;
            return otelctx_record_invalidate(attached);
        }
    }
    otelctx_record *next = attached == heap[0] ? heap[1] : heap[0];
    *kind = GENERATION_SWAP;
    int ret = otelctx_record_set(next, gen.id, gen.id, g, gen.attrs, generation_attr_count(g));
    if (ret == 0 && otelctx_attach(next) != attached)
        return -1;
    return ret;
}

#endif
