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
#include <stddef.h>
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

/* Every value of a call with at most this many attributes fits, at most 16
 * bytes each: 34 * (2 + 16) = 612 = OTELCTX_ATTRS_CAPACITY. The straight
 * line below takes only such calls, so it never checks the space left. */
#define OTELCTX_FAST_ATTRS 34

/* An attribute's size in 8-byte words: the pre-pass below counts in them,
 * so that its cursor is a scaled index the addressing takes as it is. */
#define OTELCTX_ATTR_WORDS (sizeof(otelctx_attr) / sizeof(uint64_t))

/* Where the straight line's entries go, from its cursor: the cursor starts
 * at the record rather than at attrs_data (see otelctx__record_write). */
#define OTELCTX_ENTRY_AT offsetof(otelctx_record, attrs_data)

/* The attribute that ends words 8-byte words into attrs (the address from
 * the array's bytes, where arithmetic is defined). */
OTELCTX_INLINE const otelctx_attr *otelctx__attr_below(const otelctx_attr *attrs, size_t words)
{
    return (const otelctx_attr *)((const char *)attrs + words * sizeof(uint64_t)) - 1;
}

/*
 * A NULL value with a length (n_attrs >= 1): checked before the first
 * write, so a rejected call changes nothing. From the last attribute down,
 * one test per attribute, the count itself the loop's end test. A NULL
 * value (legal with a length of 0) leaves for a second loop, so that the
 * first is one chain: laid out straight, it falls through to what follows.
 */
OTELCTX_INLINE int otelctx__values_invalid(const otelctx_attr *attrs, size_t n_attrs)
{
    size_t words = n_attrs * OTELCTX_ATTR_WORDS;
    do {
        const otelctx_attr *a = otelctx__attr_below(attrs, words);
        if (OTELCTX_UNLIKELY(a->value == NULL))
            goto null_value;
        OTELCTX_OPAQUE(words);
        words -= OTELCTX_ATTR_WORDS;
    } while (words != 0);
    return 0;
null_value:
    do {
        const otelctx_attr *a = otelctx__attr_below(attrs, words);
        if (a->value == NULL && a->len > 0)
            return 1;
        words -= OTELCTX_ATTR_WORDS;
    } while (words != 0);
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
        /* A trace id whose first half is not zero is set: one test, and no
         * register for ids[0] | ids[1], on the common path. */
        if (OTELCTX_UNLIKELY(ids[0] == 0)) {
            if (otelctx__ids_invalid(ids[1], ids[2], trace_flags))
                return -EINVAL;
        } else if (OTELCTX_UNLIKELY(ids[2] == 0)) {
            return -EINVAL;
        }
    } else if (OTELCTX_UNLIKELY(span_id != NULL || trace_flags != 0)) {
        return -EINVAL;
    }
    return 0;
}

/* The start every whole-record write shares once its other checks passed:
 * the ids checked, then, inside the writer guard (-EBUSY when the thread is
 * already in a writer), valid = 0 and the ids and flags from the registers
 * they were checked in. 0, or a negative errno with nothing written. */
OTELCTX_INLINE int otelctx__header_write(otelctx_record *record, const uint8_t *trace_id,
                                         const uint8_t *span_id, uint8_t trace_flags,
                                         unsigned char *writing)
{
    uint64_t ids[3];

    if (otelctx__ids_load(trace_id, span_id, trace_flags, ids) != 0)
        return otelctx__fail(-EINVAL);
    if (writer_enter(writing))
        return otelctx__fail(-EBUSY);
    record_begin_write(record);
    otelctx__store64(record->trace_id, ids[0]);
    otelctx__store64(record->trace_id + 8, ids[1]);
    otelctx__store64(record->span_id, ids[2]);
    record->trace_flags = trace_flags;
    return 0;
}

/* The whole-record write of a call with more than OTELCTX_FAST_ATTRS
 * attributes (record.c): every check, then all of it through the finish,
 * under the guard byte otelctx_tls_writing() finds (the one every caller of
 * the straight line below passes). Six arguments, all in registers: a
 * seventh on the stack would give every writer a stack frame; in
 * otelctx_update's order, so that its arguments need not move. */
int otelctx__record_write_many(const uint8_t *trace_id, const uint8_t *span_id,
                               unsigned int trace_flags, const otelctx_attr *attrs, size_t n_attrs,
                               otelctx_record *record);

/*
 * otelctx_record_set() on a record known to be non-NULL: every check, then,
 * inside the writer guard, the in-place protocol (valid = 0, fields, size,
 * valid = 1). The checks read only the arguments, so they may come before
 * the guard.
 *
 * The straight line keeps at most eight values live in its loop (cursor,
 * end, destination, record, guard, length, value, one chunk), so that
 * neither compiler saves a callee-saved register for it: 14 instructions
 * on every call, attributes or not, when one had to be saved.
 */
OTELCTX_INLINE int otelctx__record_write(otelctx_record *record, const uint8_t *trace_id,
                                         const uint8_t *span_id, uint8_t trace_flags,
                                         const otelctx_attr *attrs, size_t n_attrs,
                                         unsigned char *writing)
{
    if (OTELCTX_UNLIKELY((uintptr_t)record & (alignof(otelctx_record) - 1)))
        return otelctx__fail(-EINVAL);
    /* One compare for both rare counts (n_attrs - 1 wraps for 0): no
     * attributes, the header and a size of 0; more than the straight line
     * takes, the general writer. */
    if (n_attrs - 1 >= OTELCTX_FAST_ATTRS) {
        if (OTELCTX_UNLIKELY(n_attrs != 0))
            return otelctx__record_write_many(trace_id, span_id, trace_flags, attrs, n_attrs,
                                              record);
        int err = otelctx__header_write(record, trace_id, span_id, trace_flags, writing);
        if (err != 0)
            return otelctx__fail(err);
        record->attrs_data_size = 0;
        record_end_write(record);
        writer_leave(writing);
        return 0;
    }
    if (OTELCTX_UNLIKELY(attrs == NULL))
        return otelctx__fail(-EINVAL);
    /* Before the ids are loaded, so that they are not live across it. */
    if (otelctx__values_invalid(attrs, n_attrs))
        return otelctx__fail(-EINVAL);
    int err = otelctx__header_write(record, trace_id, span_id, trace_flags, writing);
    if (err != 0)
        return otelctx__fail(err);
    /* Values of at most 16 bytes (OTELCTX_COPY_SHORT_OVER jumps for longer
     * ones too, in its branch for 8 bytes and more), plain ASCII (checked
     * per value: one compare more than an OR accumulated for the end, and no
     * register for it). Anything else goes to the finish from that
     * attribute on. Bytes past attrs_data_size are free to write while valid
     * is 0.
     *
     * The cursor is the record's address plus the bytes used so far, and
     * each entry is stored at cursor + offsetof(attrs_data): the size is
     * then one subtraction, and no register holds attrs_data's address.
     * The loop's end is marked unlikely for its layout: both compilers then
     * enter the loop at its top, without a jump, and fall out of its
     * bottom (calls have few attributes; the branch predictor, not the
     * hint, decides what runs fast). */
    uint8_t *at = (uint8_t *)record;
    const otelctx_attr *last = attrs + n_attrs;
    const otelctx_attr *a = attrs;
    do {
        size_t len = a->len;
        OTELCTX_COPY_SHORT_OVER(at + OTELCTX_ENTRY_AT + OTELCTX_ENTRY_HEADER, a->value, len,
                                finish);
        at[OTELCTX_ENTRY_AT] = a->key;
        at[OTELCTX_ENTRY_AT + 1] = (uint8_t)len;
        at += OTELCTX_ENTRY_HEADER + len;
        OTELCTX_OPAQUE(a);
        a++;
    } while (OTELCTX_UNLIKELY(a != last));
    record->attrs_data_size = (uint16_t)(at - (uint8_t *)record);
    record_end_write(record);
    writer_leave(writing);
    return 0;
finish:
    return otelctx__finish_record(record, a, last, (size_t)(at - (uint8_t *)record), 0,
                                  writing);
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
    if (OTELCTX_UNLIKELY((uintptr_t)record & (alignof(otelctx_record) - 1)))
        return otelctx__fail(-EINVAL);
    int err = otelctx__header_write(record, trace_id, span_id, trace_flags, writing);
    if (err != 0)
        return otelctx__fail(err);
    if (set == NULL) {
        record->attrs_data_size = 0;
        record_end_write(record);
        writer_leave(writing);
        return 0;
    }
    size_t size = set->size;
    otelctx__copy16(record->attrs_data, set->data);
    if (size > 16) {
        for (size_t i = 16; i + 16 < size; i += 16)
            otelctx__copy16(&record->attrs_data[i], &set->data[i]);
        otelctx__copy16(&record->attrs_data[size - 16], &set->data[size - 16]);
    }
    record->attrs_data_size = (uint16_t)size;
    record_end_write(record);
    writer_leave(writing);
    /* Read last, straight into the return register: the guard byte's
     * address, in that register until the store above, no longer is. */
    return set->left_out;
}

#endif
