/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "otelctx.h"
#include "process_ctx.h"
#include "record.h"
#include "write_order.h"

#define ENTRY_HEADER 2 /* key index byte + value length byte */

static int misaligned(const otelctx_record *record)
{
    return ((uintptr_t)record & (alignof(otelctx_record) - 1)) != 0;
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/*
 * OTEP 4947: trace id and span id are both set or both all zero ("no
 * trace"), and the flags are 0 without a trace. Off the hot path: only
 * reached when an id is all zero.
 */
__attribute__((noinline, cold))
static int check_zero_ids(uint64_t trace, uint64_t span, uint8_t trace_flags)
{
    if ((trace == 0) != (span == 0) || (trace == 0 && trace_flags != 0))
        return -EINVAL;
    return 0;
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
        uint64_t trace = load64(trace_id) | load64(trace_id + 8), span = load64(span_id);
        if (__builtin_expect(trace == 0 || span == 0, 0) &&
            check_zero_ids(trace, span, trace_flags) < 0)
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

/* Chunks of a value, copied and OR-ed together: the high bit of any byte
 * survives, so "all ASCII" costs one test per value. */
#define COPY_CHUNK(type, dst, src, acc)                     \
    do {                                                    \
        type chunk_;                                        \
        memcpy(&chunk_, (src), sizeof(chunk_));             \
        memcpy((dst), &chunk_, sizeof(chunk_));             \
        (acc) |= chunk_;                                    \
    } while (0)

/*
 * Values are short (at most 255 bytes, typically a few). Fixed-size, possibly
 * overlapping copies cover any length without calling libc's memcpy: no size
 * dispatch, and record_set stays a leaf function with no registers to save.
 * Returns non-zero when some byte has its high bit set (not ASCII).
 */
static int copy_value(uint8_t *dst, const char *src, size_t len)
{
    uint64_t acc = 0;

    if (len < 8) {
        if (len >= 4) {
            uint32_t a = 0;
            COPY_CHUNK(uint32_t, dst, src, a);
            COPY_CHUNK(uint32_t, dst + len - 4, src + len - 4, a);
            acc = a & 0x80808080u;
        } else if (len >= 2) {
            uint16_t a = 0;
            COPY_CHUNK(uint16_t, dst, src, a);
            COPY_CHUNK(uint16_t, dst + len - 2, src + len - 2, a);
            acc = a & 0x8080u;
        } else if (len == 1) {
            dst[0] = (uint8_t)src[0];
            acc = dst[0] & 0x80u;
        }
        return acc != 0;
    }
    if (len <= 16) {
        COPY_CHUNK(uint64_t, dst, src, acc);
        COPY_CHUNK(uint64_t, dst + len - 8, src + len - 8, acc);
    } else {
        for (size_t i = 0; i + 16 < len; i += 16) {
            COPY_CHUNK(uint64_t, dst + i, src + i, acc);
            COPY_CHUNK(uint64_t, dst + i + 8, src + i + 8, acc);
        }
        COPY_CHUNK(uint64_t, dst + len - 16, src + len - 16, acc);
        COPY_CHUNK(uint64_t, dst + len - 8, src + len - 8, acc);
    }
    return (acc & 0x8080808080808080u) != 0;
}

/*
 * Full UTF-8 check (RFC 3629), for values that are not plain ASCII: no
 * overlong forms, no surrogates, nothing above U+10FFFF, no sequence cut
 * short by the end of the value.
 */
__attribute__((noinline, cold))
static int valid_utf8(const uint8_t *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint8_t lo = 0x80, hi = 0xbf; /* range of the byte after the lead */
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            lo = c == 0xe0 ? 0xa0 : 0x80; /* overlong */
            hi = c == 0xed ? 0x9f : 0xbf; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            lo = c == 0xf0 ? 0x90 : 0x80; /* overlong */
            hi = c == 0xf4 ? 0x8f : 0xbf; /* above U+10FFFF */
        } else {
            return 0;
        }
        if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
        i += n + 1;
    }
    return 1;
}

/* Whole entries only; returns how many attributes were left out (too long,
 * no room, not UTF-8). */
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
        /* Bytes past attrs_data_size are free to write: a value found not
         * to be UTF-8 is simply not counted in. */
        if (__builtin_expect(copy_value(entry + ENTRY_HEADER, a->value, len), 0) &&
            !valid_utf8(entry + ENTRY_HEADER, len)) {
            left_out++;
            continue;
        }
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
    /* A record is coming into being: readers must be able to find it. */
    otelctx__process_ensure();
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
