/* SPDX-License-Identifier: Apache-2.0 */
/* Records as objects: creation, the whole-record writer's entry point,
 * invalidation. */
#include <stdlib.h>

#include "otelctx.h"
#include "own_record.h"
#include "process_ctx.h"
#include "record_write.h"
#include "tls_slot.h"

__attribute__((noinline, cold))
int otelctx__record_write_many(const uint8_t *trace_id, const uint8_t *span_id,
                               unsigned int trace_flags, const otelctx_attr *attrs, size_t n_attrs,
                               otelctx_record *record)
{
    if (attrs == NULL || n_attrs > INT_MAX || otelctx__values_invalid(attrs, n_attrs))
        return -EINVAL;
    unsigned char *writing = otelctx_tls_writing();
    int err = otelctx__header_write(record, trace_id, span_id, (uint8_t)trace_flags, writing);
    if (err != 0)
        return err;
    return otelctx__finish_record(record, attrs, attrs + n_attrs, 0, 0, writing);
}

/* A bound slot that is not an otelctx block: this copy's own guard byte.
 * The flags as an int, as in update.c's cold writers. */
__attribute__((noinline, cold))
static int record_set_far(otelctx_record *record, const uint8_t trace_id[16],
                          const uint8_t span_id[8], unsigned int trace_flags,
                          const otelctx_attr *attrs, size_t n_attrs)
{
    return otelctx__record_write(record, trace_id, span_id, (uint8_t)trace_flags, attrs, n_attrs,
                                 otelctx_tls_writing());
}

/*
 * otelctx_record_set's body, inlined into every entry point that sets a
 * record, each with its own TLS access (the optimized build's ELF gate
 * checks that no entry point calls a function that makes one). The guard
 * byte comes through the slot's access (inline in the optimized build,
 * where a TLSDESC call keeps every register but one) rather than a call
 * that would make every argument a saved register.
 */
OTELCTX_INLINE int record_set_in(otelctx_record *record, const uint8_t trace_id[16],
                                 const uint8_t span_id[8], uint8_t trace_flags,
                                 const otelctx_attr *attrs, size_t n_attrs)
{
    if (OTELCTX_UNLIKELY(record == NULL))
        return -EINVAL;
    otelctx_record **slot = otelctx_tls_slot();
    if (OTELCTX_UNLIKELY(!otelctx_tls_slot_guarded()))
        return record_set_far(record, trace_id, span_id, trace_flags, attrs, n_attrs);
    return otelctx__record_write(record, trace_id, span_id, trace_flags, attrs, n_attrs,
                                 otelctx_tls_writing_after(slot));
}

int otelctx_record_set(otelctx_record *record,
                       const uint8_t trace_id[16], const uint8_t span_id[8],
                       uint8_t trace_flags,
                       const otelctx_attr *attrs, size_t n_attrs)
{
    return record_set_in(record, trace_id, span_id, trace_flags, attrs, n_attrs);
}

__attribute__((noinline, cold))
static int record_set_attrset_far(otelctx_record *record, const uint8_t trace_id[16],
                                  const uint8_t span_id[8], unsigned int trace_flags,
                                  const otelctx_attrset *set)
{
    return otelctx__record_write_set(record, trace_id, span_id, (uint8_t)trace_flags, set,
                                     otelctx_tls_writing());
}

int otelctx_record_set_attrset(otelctx_record *record, const uint8_t trace_id[16],
                               const uint8_t span_id[8], uint8_t trace_flags,
                               const otelctx_attrset *set)
{
    if (OTELCTX_UNLIKELY(record == NULL))
        return -EINVAL;
    /* As in otelctx_record_set. */
    otelctx_record **slot = otelctx_tls_slot();
    if (OTELCTX_UNLIKELY(!otelctx_tls_slot_guarded()))
        return record_set_attrset_far(record, trace_id, span_id, trace_flags, set);
    return otelctx__record_write_set(record, trace_id, span_id, trace_flags, set,
                                     otelctx_tls_writing_after(slot));
}

int otelctx_record_init(otelctx_record *record)
{
    /* A record is coming into being: readers must be able to find it. */
    otelctx__process_ensure();
    return record_set_in(record, NULL, NULL, 0, NULL, 0);
}

otelctx_record *otelctx__record_alloc(void)
{
    otelctx__process_ensure();
    /* Zeroed, so a reader copying all 640 bytes never sees old heap data. */
    return calloc(1, sizeof(otelctx_record));
}

otelctx_record *otelctx_record_new(void)
{
    otelctx_record *record = otelctx__record_alloc();
    if (record != NULL)
        record_set_in(record, NULL, NULL, 0, NULL, 0);
    return record;
}

void otelctx_record_free(otelctx_record *record)
{
    free(record);
}

int otelctx_record_invalidate(otelctx_record *record)
{
    if (record == NULL)
        return -EINVAL;
#if !defined(__x86_64__)
    /* Not under the guard: one byte store, so a writer that interrupts it
     * runs wholly before or after it. Only one writer may not be
     * interrupted by it: on aarch64, otelctx_update_span on a record that
     * is not 8-aligned sets valid = 0 around its store and then restores
     * valid, which would undo this store; inside a writer it is refused. */
    if (((uintptr_t)record & 7) != 0 && *otelctx_tls_writing() != 0)
        return -EBUSY;
#endif
    /* One byte store: readers skip the record from the next instruction on. */
    record_begin_write(record);
    return 0;
}
