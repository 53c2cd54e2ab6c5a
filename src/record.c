/* SPDX-License-Identifier: Apache-2.0 */
/* Records as objects: creation, the whole-record writer's entry point,
 * invalidation. */
#include <stdlib.h>

#include "otelctx.h"
#include "process_ctx.h"
#include "record_write.h"
#include "tls_slot.h"

int otelctx_record_set(otelctx_record *record,
                       const uint8_t trace_id[16], const uint8_t span_id[8],
                       uint8_t trace_flags,
                       const otelctx_attr *attrs, size_t n_attrs)
{
    if (OTELCTX_UNLIKELY(record == NULL))
        return -EINVAL;
    return otelctx__record_write(record, trace_id, span_id, trace_flags, attrs, n_attrs,
                                 otelctx_tls_writing());
}

int otelctx_record_set_attrset(otelctx_record *record, const uint8_t trace_id[16],
                               const uint8_t span_id[8], uint8_t trace_flags,
                               const otelctx_attrset *set)
{
    if (OTELCTX_UNLIKELY(record == NULL))
        return -EINVAL;
    return otelctx__record_write_set(record, trace_id, span_id, trace_flags, set,
                                     otelctx_tls_writing());
}

int otelctx_record_init(otelctx_record *record)
{
    /* A record is coming into being: readers must be able to find it. */
    otelctx__process_ensure();
    return otelctx_record_set(record, NULL, NULL, 0, NULL, 0);
}

otelctx_record *otelctx_record_new(void)
{
    /* Zeroed, so a reader copying all 640 bytes never sees old heap data. */
    otelctx_record *record = calloc(1, sizeof(*record));
    if (record != NULL)
        otelctx_record_init(record);
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
