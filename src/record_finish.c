/* SPDX-License-Identifier: Apache-2.0 */
/* The slow finish of a whole-record write (record_finish.h). */
#include "record_bytes.h"
#include "record_finish.h"
#include "utf8.h"
#include "write_order.h"

int otelctx__copy_utf8(uint8_t *dst, const char *src, size_t len)
{
    if (otelctx__copy_short(dst, src, len) == 0)
        return 0;
    if (!otelctx__utf8_valid((const uint8_t *)src, len))
        return 1;
    for (size_t i = 0; i < len; i += 16) {
        size_t n = len - i < 16 ? len - i : 16;
        if (n == 16) {
            uint64_t a, b;
            memcpy(&a, src + i, 8);
            memcpy(&b, src + i + 8, 8);
            memcpy(dst + i, &a, 8);
            memcpy(dst + i + 8, &b, 8);
        } else {
            for (size_t k = 0; k < n; k++)
                dst[i + k] = (uint8_t)src[i + k];
        }
    }
    return 0;
}

int otelctx__finish_record(otelctx_record *record, const otelctx_attr *a,
                           const otelctx_attr *last, size_t used, int left_out,
                           unsigned char *writing)
{
    for (; a != last; a++) {
        size_t len = a->len, end = used + OTELCTX_ENTRY_HEADER + len;
        if (len > OTELCTX_VALUE_MAX || end > OTELCTX_ATTRS_CAPACITY) {
            left_out++;
            continue;
        }
        uint8_t *entry = &record->attrs_data[used];
        if (otelctx__copy_utf8(entry + OTELCTX_ENTRY_HEADER, a->value, len)) {
            left_out++;
            continue;
        }
        entry[0] = a->key;
        entry[1] = (uint8_t)len;
        used = end;
    }
    record->attrs_data_size = (uint16_t)used;
    record_end_write(record);
    writer_leave(writing);
    return left_out;
}
