/* SPDX-License-Identifier: Apache-2.0 */
/* The record's bytes sit at the offsets OTEP 4947 gives, read as raw bytes. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "otelctx.h"

/* A fresh record: zero ids, no flags, no attributes, valid. */
static void check_fresh(const uint8_t *raw)
{
    for (int i = 0; i < 24; i++)
        CHECK_EQ(raw[i], 0);
    CHECK_EQ(raw[24], 1);
    CHECK_EQ(raw[25], 0);
    CHECK_EQ(raw[26] | raw[27], 0);
}

int main(void)
{
    const uint8_t trace_id[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                  0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
    const uint8_t span_id[8] = {0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27};
    const otelctx_attr attr = {.key = 9, .value = "abc", .len = 3};

    otelctx_record *record = otelctx_record_new();
    CHECK(record != NULL);
    check_fresh((const uint8_t *)record);
    CHECK_EQ(otelctx_record_set(record, trace_id, span_id, 0x03, &attr, 1), 0);

    const uint8_t *raw = (const uint8_t *)record;
    uint16_t size;
    memcpy(&size, raw + 26, sizeof(size));
    CHECK(memcmp(raw + 0, trace_id, 16) == 0);
    CHECK(memcmp(raw + 16, span_id, 8) == 0);
    CHECK_EQ(raw[24], 1);
    CHECK_EQ(raw[25], 0x03);
    CHECK_EQ(size, 5);
    CHECK_EQ(raw[28], 9);
    CHECK_EQ(raw[29], 3);
    CHECK(memcmp(raw + 30, "abc", 3) == 0);

    otelctx_record fresh;
    memset(&fresh, 0xa5, sizeof(fresh));
    CHECK_EQ(otelctx_record_init(&fresh), 0);
    check_fresh((const uint8_t *)&fresh);

    otelctx_record_free(record);
    otelctx_record_free(NULL);
    return 0;
}
