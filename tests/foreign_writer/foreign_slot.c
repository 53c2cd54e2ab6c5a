/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The foreign writer of foreign_slot.h. It knows nothing of otelctx: the
 * record layout is written out here from the spec (OTEP 4947: 640 bytes,
 * trace id, span id, valid, flags, attrs_data_size, attributes), and the
 * record is published the spec's way: valid cleared, fields written, valid
 * set, then the pointer stored in the slot.
 */
#include "foreign_slot.h"

#include <stddef.h>
#include <string.h>

struct foreign_record {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t valid;
    uint8_t trace_flags;
    uint16_t attrs_data_size;
    uint8_t attrs_data[612];
};
_Static_assert(sizeof(struct foreign_record) == 640, "the spec's record is 640 bytes");
_Static_assert(offsetof(struct foreign_record, attrs_data) == 28, "a 28-byte header");

/* Exported and preemptible: the relocation against it is what readers
 * follow (and what the dynamic linker may bind to another object's). */
__attribute__((visibility("default"))) _Thread_local void *otel_thread_ctx_v1;

static _Thread_local struct foreign_record record;

/* Keeps the compiler from moving stores across it: a reader may stop the
 * thread between any two of them. */
#define ORDER() __asm__ __volatile__("" ::: "memory")

__attribute__((visibility("default"))) void foreign_slot_publish(const uint8_t trace_id[16],
                                                                 const uint8_t span_id[8])
{
    otel_thread_ctx_v1 = NULL;
    ORDER();
    record.valid = 0;
    ORDER();
    memcpy(record.trace_id, trace_id, sizeof(record.trace_id));
    memcpy(record.span_id, span_id, sizeof(record.span_id));
    record.trace_flags = 1;
    record.attrs_data_size = 0;
    ORDER();
    record.valid = 1;
    ORDER();
    otel_thread_ctx_v1 = &record;
}

__attribute__((visibility("default"))) void foreign_slot_clear(void)
{
    otel_thread_ctx_v1 = NULL;
}

__attribute__((visibility("default"))) void *foreign_slot_address(void)
{
    return &otel_thread_ctx_v1;
}
