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
#include <string.h>

#include "otelctx.h"
#include "write_order.h"

#define OTELCTX_ENTRY_HEADER 2 /* key index byte + value length byte */
#define OTELCTX_INLINE static inline __attribute__((always_inline))
#define OTELCTX_UNLIKELY(x) __builtin_expect(!!(x), 0)

OTELCTX_INLINE uint64_t otelctx__load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

OTELCTX_INLINE void otelctx__store64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof(v));
}

/*
 * Copies exactly len bytes, for len <= 16 (never reading past the caller's
 * value), as two fixed-size, possibly overlapping chunks: no call to memcpy,
 * a few compares. The chunks are loaded and OR-ed first: when some byte has
 * its high bit set (not plain ASCII), nothing is stored and 1 is returned.
 */
#define OTELCTX_COPY_PAIR(type, mask, dst, src, len)                        \
    do {                                                                    \
        type head_, tail_;                                                  \
        memcpy(&head_, (src), sizeof(type));                                \
        memcpy(&tail_, (src) + (len) - sizeof(type), sizeof(type));         \
        if (OTELCTX_UNLIKELY((head_ | tail_) & (mask)))                     \
            return 1;                                                       \
        memcpy((dst), &head_, sizeof(type));                                \
        memcpy((dst) + (len) - sizeof(type), &tail_, sizeof(type));         \
    } while (0)

OTELCTX_INLINE int otelctx__copy_short(uint8_t *dst, const char *src, size_t len)
{
    if (len >= 4) {
        if (len >= 8)
            OTELCTX_COPY_PAIR(uint64_t, 0x8080808080808080u, dst, src, len);
        else
            OTELCTX_COPY_PAIR(uint32_t, 0x80808080u, dst, src, len);
    } else if (len >= 2) {
        OTELCTX_COPY_PAIR(uint16_t, 0x8080u, dst, src, len);
    } else if (len == 1) {
        if (OTELCTX_UNLIKELY((uint8_t)src[0] & 0x80u))
            return 1;
        dst[0] = (uint8_t)src[0];
    }
    return 0;
}

/* Any length up to 255: copies the value when it is valid UTF-8 and
 * returns 0; returns 1 and stores nothing when it is not. */
int otelctx__copy_utf8(uint8_t *dst, const char *src, size_t len);

/*
 * The slow finish of a record from attribute a (up to last) on, at
 * attrs_data + used:
 * values longer than 16 bytes, and values that are not plain ASCII (checked
 * as UTF-8, left out otherwise). Stores the size, then valid = 1, then
 * leaves the writer guard. Returns the attributes left out, left_out
 * included.
 */
int otelctx__finish_record(otelctx_record *record, const otelctx_attr *a,
                           const otelctx_attr *last, size_t used, int left_out,
                           unsigned char *writing);

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

/*
 * otelctx_record_set() on a record known to be non-NULL: every check, then,
 * inside the writer guard (-EBUSY when the thread is already in a writer),
 * the in-place protocol (valid = 0, fields, size, valid = 1). The checks read
 * only the arguments, so they may come before the guard. The ids are loaded
 * once, checked, and stored from the same registers.
 */
OTELCTX_INLINE int otelctx__record_write(otelctx_record *record, const uint8_t *trace_id,
                                         const uint8_t *span_id, uint8_t trace_flags,
                                         const otelctx_attr *attrs, size_t n_attrs,
                                         unsigned char *writing)
{
    uint64_t trace0 = 0, trace1 = 0, span = 0;

    if (OTELCTX_UNLIKELY((uintptr_t)record & (alignof(otelctx_record) - 1)))
        return -EINVAL;
    if (trace_id != NULL) {
        if (OTELCTX_UNLIKELY(span_id == NULL))
            return -EINVAL;
        trace0 = otelctx__load64(trace_id);
        trace1 = otelctx__load64(trace_id + 8);
        span = otelctx__load64(span_id);
        if (otelctx__ids_invalid(trace0 | trace1, span, trace_flags))
            return -EINVAL;
    } else if (OTELCTX_UNLIKELY(span_id != NULL || trace_flags != 0)) {
        return -EINVAL;
    }
    if (n_attrs != 0 && otelctx__attrs_invalid(attrs, n_attrs))
        return -EINVAL;
    if (writer_enter(writing))
        return -EBUSY;

    record_begin_write(record);
    otelctx__store64(record->trace_id, trace0);
    otelctx__store64(record->trace_id + 8, trace1);
    otelctx__store64(record->span_id, span);
    record->trace_flags = trace_flags;
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

#endif
