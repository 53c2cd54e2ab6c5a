/* SPDX-License-Identifier: Apache-2.0 */
#include "record_view.h"

size_t record_attrs_size(const otelctx_record *r)
{
    return r->attrs_data_size < OTELCTX_ATTRS_CAPACITY ? r->attrs_data_size
                                                       : OTELCTX_ATTRS_CAPACITY;
}

int record_next_entry(const otelctx_record *r, size_t *pos, uint8_t *key,
                      const uint8_t **value, uint8_t *len)
{
    size_t size = record_attrs_size(r);

    if (*pos + 2 > size)
        return 0;
    *key = r->attrs_data[*pos];
    *len = r->attrs_data[*pos + 1];
    if (*pos + 2 + *len > size)
        return 0;
    *value = &r->attrs_data[*pos + 2];
    *pos += 2 + (size_t)*len;
    return 1;
}

size_t utf8_sequence(const uint8_t *s, size_t n)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
               : s[0] >= 0xe0 && s[0] < 0xf0 ? 3 : s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* The second byte's range rules out overlongs, surrogates and > U+10FFFF. */
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}
