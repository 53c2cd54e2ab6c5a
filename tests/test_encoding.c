/* SPDX-License-Identifier: Apache-2.0 */
/* Byte-exact attribute encoding, whole entries only, and the left-out count. */
#include <string.h>

#include "check.h"
#include "otelctx.h"

static const uint8_t trace_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t span_id[8] = {21, 22, 23, 24, 25, 26, 27, 28};

static void check_get_api(otelctx_record *record)
{
    const otelctx_attr attrs[] = {
        {.key = 1, .value = "GET", .len = 3},
        {.key = 2, .value = "/api/v1", .len = 7},
    };
    const uint8_t expected[] = {1, 3, 'G', 'E', 'T', 2, 7, '/', 'a', 'p', 'i', '/', 'v', '1'};

    CHECK_EQ(otelctx_record_set(record, trace_id, span_id, 1, attrs, 2), 0);
    CHECK_EQ(record->attrs_data_size, sizeof(expected));
    CHECK(memcmp(record->attrs_data, expected, sizeof(expected)) == 0);
    CHECK_EQ(record->valid, 1);
    CHECK_EQ(record->trace_flags, 1);
}

/* A value of 255 bytes fits; 256 is left out; later attributes still go in. */
static void check_value_limit(otelctx_record *record)
{
    char big[300];
    memset(big, 'x', sizeof(big));
    const otelctx_attr attrs[] = {
        {.key = 3, .value = big, .len = 256},
        {.key = 4, .value = big, .len = 255},
        {.key = 5, .value = "", .len = 0},
    };

    CHECK_EQ(otelctx_record_set(record, trace_id, span_id, 0, attrs, 3), 1);
    CHECK_EQ(record->attrs_data_size, 2 + 255 + 2);
    CHECK_EQ(record->attrs_data[0], 4);
    CHECK_EQ(record->attrs_data[1], 255);
    CHECK(memcmp(&record->attrs_data[2], big, 255) == 0);
    CHECK_EQ(record->attrs_data[257], 5);
    CHECK_EQ(record->attrs_data[258], 0);
}

/* Entries that no longer fit in 612 bytes are left out whole, never cut. */
static void check_capacity(otelctx_record *record)
{
    char big[255];
    memset(big, 'y', sizeof(big));
    const otelctx_attr attrs[] = {
        {.key = 1, .value = big, .len = 255}, /* 257 bytes, used 257 */
        {.key = 2, .value = big, .len = 255}, /* 257 bytes, used 514 */
        {.key = 3, .value = big, .len = 97},  /* 99 bytes would make 613: out */
        {.key = 4, .value = big, .len = 96},  /* 98 bytes make exactly 612 */
        {.key = 5, .value = "", .len = 0},    /* 2 bytes: no room left */
    };

    CHECK_EQ(otelctx_record_set(record, trace_id, span_id, 0, attrs, 5), 2);
    CHECK_EQ(record->attrs_data_size, OTELCTX_ATTRS_CAPACITY);
    CHECK_EQ(record->attrs_data[514], 4);
    CHECK_EQ(record->attrs_data[515], 96);
}

/* No ids: zeros, flags 0; attributes still published. */
static void check_no_trace(otelctx_record *record)
{
    const otelctx_attr attr = {.key = 7, .value = "q", .len = 1};
    CHECK_EQ(otelctx_record_set(record, NULL, NULL, 0, &attr, 1), 0);
    for (int i = 0; i < 16; i++)
        CHECK_EQ(record->trace_id[i], 0);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(record->span_id[i], 0);
    CHECK_EQ(record->attrs_data_size, 3);
    CHECK_EQ(record->valid, 1);
}

int main(void)
{
    otelctx_record *record = otelctx_record_new();
    CHECK(record != NULL);
    check_get_api(record);
    check_value_limit(record);
    check_capacity(record);
    check_no_trace(record);
    otelctx_record_free(record);
    return 0;
}
