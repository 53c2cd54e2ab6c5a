/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "otelctx.h"
#include "record.h"
#include "write_order.h"

#define ENTRY_HEADER 2 /* key index byte + value length byte */

static int misaligned(const otelctx_record *record)
{
    return ((uintptr_t)record & (alignof(otelctx_record) - 1)) != 0;
}

/* Every check happens before the first write: a rejected call changes nothing. */
static int check_set_args(const otelctx_record *record,
                          const uint8_t *trace_id, const uint8_t *span_id,
                          uint8_t trace_flags,
                          const otelctx_attr *attrs, size_t n_attrs)
{
    /* One test and branch per rule, common case first: this is the hot path. */
    if (__builtin_expect(record == NULL || misaligned(record), 0))
        return -EINVAL;
    if (trace_id != NULL) {
        if (__builtin_expect(span_id == NULL, 0))
            return -EINVAL;
    } else if (span_id != NULL || trace_flags != 0) {
        return -EINVAL;
    }
    if (n_attrs == 0)
        return 0;
    if (__builtin_expect(attrs == NULL || n_attrs > INT_MAX, 0))
        return -EINVAL;
    for (size_t i = 0; i < n_attrs; i++)
        if (__builtin_expect(attrs[i].value == NULL && attrs[i].len > 0, 0))
            return -EINVAL;
    return 0;
}

/*
 * Values are short (at most 255 bytes, typically a few). Fixed-size, possibly
 * overlapping copies cover any length without calling libc's memcpy: no size
 * dispatch, and record_set stays a leaf function with no registers to save.
 */
static void copy_value(uint8_t *dst, const char *src, size_t len)
{
    if (len < 8) {
        if (len >= 4) {
            memcpy(dst, src, 4);
            memcpy(dst + len - 4, src + len - 4, 4);
        } else if (len >= 2) {
            memcpy(dst, src, 2);
            memcpy(dst + len - 2, src + len - 2, 2);
        } else if (len == 1) {
            dst[0] = (uint8_t)src[0];
        }
    } else if (len <= 16) {
        memcpy(dst, src, 8);
        memcpy(dst + len - 8, src + len - 8, 8);
    } else {
        for (size_t i = 0; i + 16 < len; i += 16)
            memcpy(dst + i, src + i, 16);
        memcpy(dst + len - 16, src + len - 16, 16);
    }
}

/* Whole entries only; returns how many attributes did not fit. */
static int encode_attrs(otelctx_record *record,
                        const otelctx_attr *attrs, size_t n_attrs)
{
    size_t used = 0;
    int left_out = 0;

    for (size_t i = 0; i < n_attrs; i++) {
        const otelctx_attr *a = &attrs[i];
        size_t len = a->len;
        if (len > OTELCTX_VALUE_MAX ||
            used + ENTRY_HEADER + len > OTELCTX_ATTRS_CAPACITY) {
            left_out++;
            continue;
        }
        uint8_t *entry = &record->attrs_data[used];
        entry[0] = a->key;
        entry[1] = (uint8_t)len;
        copy_value(entry + ENTRY_HEADER, a->value, len);
        used += ENTRY_HEADER + len;
    }
    record->attrs_data_size = (uint16_t)used;
    return left_out;
}

int otelctx__record_set(otelctx_record *record,
                        const uint8_t trace_id[16], const uint8_t span_id[8],
                        uint8_t trace_flags,
                        const otelctx_attr *attrs, size_t n_attrs)
{
    int err = check_set_args(record, trace_id, span_id, trace_flags,
                             attrs, n_attrs);
    if (err < 0)
        return err;

    record_begin_write(record);
    if (trace_id != NULL) {
        memcpy(record->trace_id, trace_id, sizeof(record->trace_id));
        memcpy(record->span_id, span_id, sizeof(record->span_id));
    } else {
        memset(record->trace_id, 0, sizeof(record->trace_id));
        memset(record->span_id, 0, sizeof(record->span_id));
    }
    record->trace_flags = trace_flags;
    int left_out = encode_attrs(record, attrs, n_attrs);
    record_end_write(record);
    return left_out;
}

int otelctx_record_set(otelctx_record *record,
                       const uint8_t trace_id[16], const uint8_t span_id[8],
                       uint8_t trace_flags,
                       const otelctx_attr *attrs, size_t n_attrs)
{
    return otelctx__record_set(record, trace_id, span_id, trace_flags, attrs, n_attrs);
}

int otelctx_record_init(otelctx_record *record)
{
    return otelctx__record_set(record, NULL, NULL, 0, NULL, 0);
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
