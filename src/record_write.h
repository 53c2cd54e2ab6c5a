/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The writer of a whole record (otelctx_record_set, otelctx_update), inlined
 * into both entry points so that the hot path is one leaf function: no call,
 * no register to save. Everything rare (an id all zero, a value that is not
 * ASCII, a NULL id) leaves the straight line through a branch, and the one
 * rare case that needs real work (a value that must be checked as UTF-8)
 * leaves it through a tail call that finishes the record.
 */
#ifndef OTELCTX_RECORD_WRITE_H
#define OTELCTX_RECORD_WRITE_H

#include <errno.h>
#include <limits.h>
#include <stdalign.h>
#include <stdint.h>

#include "otelctx.h"
#include "record_bytes.h"
#include "attrset.h"
#include "record_finish.h"
#include "write_order.h"

/* OTEP 4947 ids: both set or both all zero, and no flags without them.
 * Two branches on the common case (both set): gcc computes a combined
 * condition in registers, four instructions more. */
OTELCTX_INLINE int otelctx__ids_invalid(uint64_t trace, uint64_t span, uint8_t trace_flags)
{
    if (OTELCTX_UNLIKELY(trace == 0))
        return span != 0 || trace_flags != 0;
    if (OTELCTX_UNLIKELY(span == 0))
        return 1;
    return 0;
}

/* attrs NULL with entries, a count past INT_MAX, or a NULL value with a
 * length: checked before the first write, so a rejected call changes nothing. */
OTELCTX_INLINE int otelctx__attrs_invalid(const otelctx_attr *attrs, size_t n_attrs)
{
    if (OTELCTX_UNLIKELY(attrs == NULL || n_attrs > INT_MAX))
        return 1;
    for (const otelctx_attr *a = attrs, *last = attrs + n_attrs; a != last; a++)
        if (OTELCTX_UNLIKELY(a->value == NULL) && a->len > 0)
            return 1;
    return 0;
}

/* The ids of a whole-record write, loaded once and checked: 0, or -EINVAL
 * (one id NULL, an id all zero without the other, flags without a trace). */
OTELCTX_INLINE int otelctx__ids_load(const uint8_t *trace_id, const uint8_t *span_id,
                                     uint8_t trace_flags, uint64_t ids[3])
{
    ids[0] = ids[1] = ids[2] = 0;
    if (trace_id != NULL) {
        if (OTELCTX_UNLIKELY(span_id == NULL))
            return -EINVAL;
        ids[0] = otelctx__load64(trace_id);
        ids[1] = otelctx__load64(trace_id + 8);
        ids[2] = otelctx__load64(span_id);
        if (otelctx__ids_invalid(ids[0] | ids[1], ids[2], trace_flags))
            return -EINVAL;
    } else if (OTELCTX_UNLIKELY(span_id != NULL || trace_flags != 0)) {
        return -EINVAL;
    }
    return 0;
}

/* Inside the guard: valid = 0, then the ids and flags from the registers
 * they were checked in. */
OTELCTX_INLINE void otelctx__header_write(otelctx_record *record, const uint64_t ids[3],
                                          uint8_t trace_flags)
{
    record_begin_write(record);
    otelctx__store64(record->trace_id, ids[0]);
    otelctx__store64(record->trace_id + 8, ids[1]);
    otelctx__store64(record->span_id, ids[2]);
    record->trace_flags = trace_flags;
}

/*
 * otelctx_record_set() on a record known to be non-NULL: every check, then,
 * inside the writer guard (-EBUSY when the thread is already in a writer),
 * the in-place protocol (valid = 0, fields, size, valid = 1). The checks read
 * only the arguments, so they may come before the guard.
 */
OTELCTX_INLINE int otelctx__record_write(otelctx_record *record, const uint8_t *trace_id,
                                         const uint8_t *span_id, uint8_t trace_flags,
                                         const otelctx_attr *attrs, size_t n_attrs,
                                         unsigned char *writing)
{
    uint64_t ids[3];

    if (OTELCTX_UNLIKELY((uintptr_t)record & (alignof(otelctx_record) - 1)))
        return -EINVAL;
    if (otelctx__ids_load(trace_id, span_id, trace_flags, ids) != 0)
        return -EINVAL;
    if (n_attrs != 0 && otelctx__attrs_invalid(attrs, n_attrs))
        return -EINVAL;
    if (writer_enter(writing))
        return -EBUSY;

    otelctx__header_write(record, ids, trace_flags);
    /* The straight line: values of at most 16 bytes, plain ASCII, that fit.
     * Anything else (and so every attribute left out) goes to the finish. */
    size_t used = 0;
    const otelctx_attr *a = attrs, *last = n_attrs != 0 ? attrs + n_attrs : attrs;
    for (; a != last; a++) {
        size_t len = a->len;
        if (OTELCTX_UNLIKELY(len > 16 || used + OTELCTX_ENTRY_HEADER + len > OTELCTX_ATTRS_CAPACITY))
            return otelctx__finish_record(record, a, last, used, 0, writing);
        if (OTELCTX_UNLIKELY(otelctx__copy_short(&record->attrs_data[used + OTELCTX_ENTRY_HEADER],
                                                 a->value, len)))
            return otelctx__finish_record(record, a, last, used, 0, writing);
        /* Bytes past attrs_data_size are free to write while valid is 0. */
        record->attrs_data[used] = a->key;
        record->attrs_data[used + 1] = (uint8_t)len;
        used += OTELCTX_ENTRY_HEADER + len;
    }
    record->attrs_data_size = (uint16_t)used;
    record_end_write(record);
    writer_leave(writing);
    return 0;
}

/*
 * The same with a prepared set (set NULL: no attribute): its entries were
 * checked and encoded when it was made, so they are copied as they are, in
 * 16-byte chunks. A set of at most 16 bytes is padded with zeros to 16, and
 * a longer one ends with a chunk that overlaps the one before: bytes past
 * attrs_data_size may be written while valid is 0, never past the record.
 */
OTELCTX_INLINE int otelctx__record_write_set(otelctx_record *record, const uint8_t *trace_id,
                                             const uint8_t *span_id, uint8_t trace_flags,
                                             const otelctx_attrset *set, unsigned char *writing)
{
    uint64_t ids[3];

    if (OTELCTX_UNLIKELY((uintptr_t)record & (alignof(otelctx_record) - 1)))
        return -EINVAL;
    if (otelctx__ids_load(trace_id, span_id, trace_flags, ids) != 0)
        return -EINVAL;
    if (writer_enter(writing))
        return -EBUSY;

    otelctx__header_write(record, ids, trace_flags);
    size_t size = 0;
    int left_out = 0;
    if (set != NULL) {
        size = set->size;
        left_out = set->left_out;
        if (size <= 16) {
            otelctx__copy16(record->attrs_data, set->data);
        } else {
            for (size_t i = 0; i + 16 < size; i += 16)
                otelctx__copy16(&record->attrs_data[i], &set->data[i]);
            otelctx__copy16(&record->attrs_data[size - 16], &set->data[size - 16]);
        }
    }
    record->attrs_data_size = (uint16_t)size;
    record_end_write(record);
    writer_leave(writing);
    return left_out;
}

#endif
