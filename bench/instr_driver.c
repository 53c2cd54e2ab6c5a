/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Driver for bench/instructions.sh: N operations of one kind, each inside
 * its own noinline function op_NAME, run under callgrind with collection
 * toggled on inside op_NAME only. instructions.sh then keeps the cost of
 * every object but this driver: the library's instructions, nested entry
 * points and the TLSDESC resolver included, the loop and the call excluded.
 *
 * Usage: instr_driver OPERATION N   (OPERATION: see ops[] below)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otelctx.h"

#define OP static __attribute__((noinline)) void

static const otelctx_attr two_attrs[] = {{1, "GET", 3}, {2, "/api/v1", 7}};
static const otelctx_attr pushed = {3, "/api/v2", 7};
static otelctx_record *records[2];
static otelctx_attrset *two_attrs_set; /* two_attrs, prepared */
static uint8_t trace[16] = {1}, span[8] = {2};
static volatile uintptr_t sink;

/* New ids every time, never all zero, as a new span brings. */
static void next_ids(unsigned long i)
{
    memcpy(trace + 8, &i, sizeof(i));
    memcpy(span + 1, &i, 7);
}

OP op_swap(unsigned long i) { sink = (uintptr_t)otelctx_attach(records[i & 1]); }
OP op_attach_detach(unsigned long i)
{
    (void)i;
    sink = (uintptr_t)otelctx_attach(records[0]);
    sink = (uintptr_t)otelctx_detach();
}
OP op_current(unsigned long i) { (void)i; sink = (uintptr_t)otelctx_current(); }
OP op_in_place(unsigned long i) { (void)i; sink = (uintptr_t)otelctx_update(trace, span, 1, two_attrs, 2); }
OP op_in_place_ids(unsigned long i) { (void)i; sink = (uintptr_t)otelctx_update(trace, span, 1, NULL, 0); }
OP op_record_set(unsigned long i)
{
    sink = (uintptr_t)otelctx_record_set(records[i & 1], trace, span, 1, two_attrs, 2);
}
OP op_in_place_attrset(unsigned long i)
{
    (void)i;
    sink = (uintptr_t)otelctx_update_attrset(trace, span, 1, two_attrs_set);
}
OP op_record_set_attrset(unsigned long i)
{
    sink = (uintptr_t)otelctx_record_set_attrset(records[i & 1], trace, span, 1, two_attrs_set);
}
OP op_update_span(unsigned long i) { (void)i; sink = (uintptr_t)otelctx_update_span(span); }
OP op_attr_push_pop(unsigned long i)
{
    (void)i;
    sink = (uintptr_t)otelctx_attr_push(&pushed);
    sink = (uintptr_t)otelctx_attr_pop(1);
}

static const struct {
    const char *name;
    void (*run)(unsigned long i);
    int attached; /* runs with records[0] attached */
} ops[] = {
    {"swap", op_swap, 1},
    {"attach_detach", op_attach_detach, 0},
    {"current", op_current, 1},
    {"in_place", op_in_place, 1},
    {"in_place_ids", op_in_place_ids, 1},
    {"record_set", op_record_set, 0},
    {"in_place_attrset", op_in_place_attrset, 1},
    {"record_set_attrset", op_record_set_attrset, 0},
    {"update_span", op_update_span, 1},
    {"attr_push_pop", op_attr_push_pop, 1},
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s OPERATION N\n", argv[0]);
        return 2;
    }
    unsigned long n = strtoul(argv[2], NULL, 0);
    records[0] = otelctx_record_new();
    records[1] = otelctx_record_new();
    two_attrs_set = otelctx_attrset_new(two_attrs, 2, NULL);
    if (records[0] == NULL || records[1] == NULL || two_attrs_set == NULL)
        return 1;
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        if (strcmp(argv[1], ops[k].name) != 0)
            continue;
        if (otelctx_record_set(records[0], trace, span, 1, two_attrs, 2) != 0)
            return 1;
        if (ops[k].attached)
            otelctx_attach(records[0]);
        for (unsigned long i = 0; i < n; i++) {
            next_ids(i);
            ops[k].run(i);
        }
        otelctx_detach();
        otelctx_record_free(records[0]);
        otelctx_record_free(records[1]);
        otelctx_attrset_free(two_attrs_set);
        return 0;
    }
    fprintf(stderr, "unknown operation %s\n", argv[1]);
    return 2;
}
