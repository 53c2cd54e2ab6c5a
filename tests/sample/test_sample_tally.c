/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sampler's counting (sample_tally.c, code_map.c's lookup), fed events
 * as the BPF program writes them: each class counted, records told apart by
 * slot and every byte read (never by bytes past them), the distinct records
 * capped with the rest counted, sorted by samples, and the instruction
 * pointer counted once per sample in the object whose code holds it.
 */
#include <string.h>

#include "check.h"
#include "sample_tally.h"

static struct sample_event event(__u32 slot, __u32 class, __u8 fill, __u32 size)
{
    struct sample_event e;

    memset(&e, 0xcc, sizeof(e)); /* past size: what the ring buffer held before */
    e.ip = 0;
    e.tid = 1;
    e.slot = slot;
    e.class = class;
    e.size = size;
    memset(e.record, fill, size < SAMPLE_RECORD_MAX ? size : SAMPLE_RECORD_MAX);
    e.record[24] = 1;
    e.record[26] = (__u8)(size > SAMPLE_HEADER ? size - SAMPLE_HEADER : 0);
    e.record[27] = 0;
    return e;
}

static void add(struct tally *t, struct sample_event e)
{
    CHECK_EQ(tally_add(t, &e, sizeof(e)), 0);
}

static void classes(void)
{
    struct code_map none = {0};
    struct tally t;

    tally_init(&t, &none);
    add(&t, event(0, SAMPLE_NULL, 0, 0));
    add(&t, event(0, SAMPLE_INVALID, 0, 0));
    add(&t, event(0, SAMPLE_INVALID, 0, 0));
    add(&t, event(0, SAMPLE_UNREADABLE, 0, 0));
    add(&t, event(0, 7, 0, 0)); /* no class the program writes: unreadable */
    add(&t, event(0, SAMPLE_VALID, 0x11, 40));
    struct sample_event e = event(0, SAMPLE_VALID, 0, 0);
    CHECK_EQ(tally_add(&t, &e, sizeof(e) - 1), -1); /* not a whole event */
    CHECK_EQ(t.samples, 6);
    CHECK_EQ(t.null, 1);
    CHECK_EQ(t.invalid, 2);
    CHECK_EQ(t.unreadable, 2);
    CHECK_EQ(t.n_records, 1);
    CHECK_EQ(t.ip_unnamed, 6);
    tally_free(&t);
}

static void distinct(void)
{
    struct code_map none = {0};
    struct tally t;

    tally_init(&t, &none);
    add(&t, event(0, SAMPLE_VALID, 0x22, 50));
    add(&t, event(0, SAMPLE_VALID, 0x22, 50)); /* the same */
    add(&t, event(1, SAMPLE_VALID, 0x22, 50)); /* another slot */
    add(&t, event(0, SAMPLE_VALID, 0x22, 51)); /* one attribute byte more */
    struct sample_event e = event(0, SAMPLE_VALID, 0x22, 50);
    e.record[49] = 0x23; /* the last byte read differs */
    add(&t, e);
    e = event(0, SAMPLE_VALID, 0x22, 50);
    e.record[50] = 0x99; /* past the bytes read: the same record */
    add(&t, e);
    add(&t, event(0, SAMPLE_VALID, 0x33, 9999)); /* past the record: its 640 bytes */
    add(&t, event(0, SAMPLE_VALID, 0x33, 9999));
    CHECK_EQ(t.n_records, 5);
    tally_sort(&t);
    CHECK_EQ(t.records[0].samples, 3);
    CHECK_EQ(t.records[0].size, 50);
    CHECK_EQ(t.records[0].record.trace_id[0], 0x22);
    CHECK_EQ(t.records[0].record.attrs_data[50 - SAMPLE_HEADER], 0); /* zero past the read */
    CHECK_EQ(t.records[1].samples, 2);
    CHECK_EQ(t.records[1].size, SAMPLE_RECORD_MAX);
    for (size_t i = 2; i < 5; i++)
        CHECK_EQ(t.records[i].samples, 1);
    tally_free(&t);
}

static void capped(void)
{
    struct code_map none = {0};
    struct tally t;

    tally_init(&t, &none);
    for (unsigned i = 0; i < TALLY_MAX_RECORDS + 5; i++) {
        struct sample_event e = event(0, SAMPLE_VALID, 0x44, 60);
        memcpy(e.record, &i, sizeof(i));
        add(&t, e);
    }
    add(&t, event(0, SAMPLE_VALID, 0x44, 60)); /* i = 0x44444444 was never added: past the cap */
    struct sample_event first = event(0, SAMPLE_VALID, 0x44, 60);
    memset(first.record, 0, 4); /* i = 0: kept, counted again */
    add(&t, first);
    CHECK_EQ(t.n_records, TALLY_MAX_RECORDS);
    CHECK_EQ(t.over_cap, 6);
    CHECK_EQ(t.samples, TALLY_MAX_RECORDS + 7);
    tally_sort(&t);
    CHECK_EQ(t.records[0].samples, 2);
    tally_free(&t);
}

static void instruction_pointers(void)
{
    static const char a[] = "/lib/a.so", b[] = "/usr/bin/b";
    struct code_range ranges[] = {{0x1000, 0x2000, a}, {0x3000, 0x4000, b}};
    struct code_map code = {ranges, 2};
    const uint64_t ips[] = {0x1000, 0x1fff, 0x3fff, 0x3000, 0x3500, 0x2000, 0xfff, 0x4000, 0};
    struct tally t;

    CHECK(code_map_find(&code, 0x1abc) == a);
    CHECK(code_map_find(&code, 0x2abc) == NULL);
    tally_init(&t, &code);
    for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
        struct sample_event e = event(0, SAMPLE_NULL, 0, 0);
        e.ip = ips[i];
        add(&t, e);
        e.slot = 1; /* the same sample's second slot: its ip is not counted again */
        add(&t, e);
    }
    tally_sort(&t);
    CHECK_EQ(t.n_ip_objects, 2);
    CHECK(t.ip_objects[0].path == b);
    CHECK_EQ(t.ip_objects[0].samples, 3);
    CHECK(t.ip_objects[1].path == a);
    CHECK_EQ(t.ip_objects[1].samples, 2);
    CHECK_EQ(t.ip_unnamed, 4);
    CHECK_EQ(t.samples, 18);
    tally_free(&t);
}

int main(void)
{
    classes();
    distinct();
    capped();
    instruction_pointers();
    printf("test_sample_tally: ok\n");
    return 0;
}
