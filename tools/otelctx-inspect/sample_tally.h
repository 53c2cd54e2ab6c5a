/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the samples of `otelctx-inspect sample` came to: per distinct record
 * (slot, trace id, span id, flags, attribute bytes) the number of samples
 * that found it, the samples that found NULL, an invalid record or memory
 * the BPF program could not read, and the samples per object whose code the
 * thread was running. Bounded: at most TALLY_MAX_RECORDS distinct records
 * are kept, the samples of any further one are counted in over_cap.
 */
#ifndef OTELCTX_INSPECT_SAMPLE_TALLY_H
#define OTELCTX_INSPECT_SAMPLE_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "code_map.h"
#include "otelctx.h"
#include "sample_event.h"

enum { TALLY_MAX_RECORDS = 16384, TALLY_MAX_IP_OBJECTS = 4096 };

struct tally_record {
    otelctx_record record;      /* the bytes read, zero past them */
    uint32_t slot;              /* index of the slot object */
    uint32_t size;              /* bytes of record read: 28 + attributes */
    uint64_t samples;
};

/* Samples by the object whose code was running; path NULL: none. */
struct tally_ip_object {
    const char *path;
    uint64_t samples;
};

struct tally {
    const struct code_map *code;
    struct tally_record *records;
    size_t n_records, records_cap;
    uint32_t *table;            /* open addressing: index + 1 into records, 0 empty */
    size_t table_size;          /* a power of two, at least twice n_records */
    uint64_t samples, null, invalid, unreadable, over_cap;
    struct tally_ip_object ip_objects[TALLY_MAX_IP_OBJECTS];
    size_t n_ip_objects;
    uint64_t ip_unnamed;        /* samples in code of no object, or past the objects kept */
};

/* code names the objects of instruction pointers; it must outlive t. */
void tally_init(struct tally *t, const struct code_map *code);
void tally_free(struct tally *t);

/* One event of the ring buffer (size bytes, as the kernel delivered it);
 * -1 when it is not a whole event. */
int tally_add(struct tally *t, const void *event, size_t size);

/* Sorts the records (ties by trace and span id) and the code objects by
 * samples, most first. */
void tally_sort(struct tally *t);

#endif
