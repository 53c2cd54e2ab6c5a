/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "otelctx.h"
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
    if (record == NULL || misaligned(record))
        return -EINVAL;
    if ((trace_id == NULL) != (span_id == NULL))
        return -EINVAL;
    if (trace_id == NULL && trace_flags != 0)
        return -EINVAL;
    if (n_attrs > INT_MAX || (attrs == NULL && n_attrs > 0))
        return -EINVAL;
    for (size_t i = 0; i < n_attrs; i++)
        if (attrs[i].value == NULL && attrs[i].len > 0)
            return -EINVAL;
    return 0;
}

/* Whole entries only; returns how many attributes did not fit. */
static int encode_attrs(otelctx_record *record,
                        const otelctx_attr *attrs, size_t n_attrs)
{
    size_t used = 0;
    int left_out = 0;

    for (size_t i = 0; i < n_attrs; i++) {
        const otelctx_attr *a = &attrs[i];
        if (a->len > OTELCTX_VALUE_MAX ||
            a->len + ENTRY_HEADER > OTELCTX_ATTRS_CAPACITY - used) {
            left_out++;
            continue;
        }
        record->attrs_data[used] = a->key;
        record->attrs_data[used + 1] = (uint8_t)a->len;
        if (a->len > 0)
            memcpy(&record->attrs_data[used + ENTRY_HEADER], a->value, a->len);
        used += ENTRY_HEADER + a->len;
    }
    record->attrs_data_size = (uint16_t)used;
    return left_out;
}

int otelctx_record_set(otelctx_record *record,
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

int otelctx_record_init(otelctx_record *record)
{
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
