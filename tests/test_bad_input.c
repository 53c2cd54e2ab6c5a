/* SPDX-License-Identifier: Apache-2.0 */
/* Every bad input returns its error and leaves the record byte-for-byte unchanged. */
#include <errno.h>
#include <limits.h>
#include <stdalign.h>
#include <string.h>

#include "check.h"
#include "otelctx.h"

static const uint8_t trace_id[16] = {0xaa, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t span_id[8] = {0xbb, 1, 2, 3, 4, 5, 6, 7};

#define EXPECT_REJECTED(record, call)                                       \
    do {                                                                    \
        otelctx_record before_;                                             \
        memcpy(&before_, (record), sizeof(before_));                        \
        CHECK_EQ((call), -EINVAL);                                          \
        CHECK(memcmp(&before_, (record), sizeof(before_)) == 0);            \
    } while (0)

int main(void)
{
    otelctx_record *record = otelctx_record_new();
    const otelctx_attr good = {.key = 1, .value = "GET", .len = 3};
    const otelctx_attr null_value[] = {
        {.key = 1, .value = "ok", .len = 2},
        {.key = 2, .value = NULL, .len = 4},
    };
    /* The shortest length a NULL value may not have, before and behind a
     * NULL value that is legal (length 0): every attribute is looked at. */
    const otelctx_attr null_one_first[] = {
        {.key = 1, .value = NULL, .len = 1},
        {.key = 2, .value = NULL, .len = 0},
        {.key = 3, .value = "ok", .len = 2},
    };
    const otelctx_attr null_one_last[] = {
        {.key = 3, .value = "ok", .len = 2},
        {.key = 2, .value = NULL, .len = 0},
        {.key = 1, .value = NULL, .len = 1},
    };
    CHECK(record != NULL);
    CHECK_EQ(otelctx_record_set(record, trace_id, span_id, 1, &good, 1), 0);

    EXPECT_REJECTED(record, otelctx_record_set(record, trace_id, NULL, 1, NULL, 0));
    EXPECT_REJECTED(record, otelctx_record_set(record, NULL, span_id, 1, NULL, 0));
    EXPECT_REJECTED(record, otelctx_record_set(record, NULL, NULL, 1, NULL, 0));
    EXPECT_REJECTED(record, otelctx_record_set(record, trace_id, span_id, 1, NULL, 2));
    EXPECT_REJECTED(record, otelctx_record_set(record, trace_id, span_id, 1, null_value, 2));
    EXPECT_REJECTED(record, otelctx_record_set(record, trace_id, span_id, 1, null_one_first, 3));
    EXPECT_REJECTED(record, otelctx_record_set(record, trace_id, span_id, 1, null_one_last, 3));
    EXPECT_REJECTED(record, otelctx_record_set(record, trace_id, span_id, 1, &good,
                                               (size_t)INT_MAX + 1));

    /* OTEP 4947: both ids set or both all zero, and no flags without them. */
    static const uint8_t zero_trace[16], zero_span[8];
    static const uint8_t high_trace[16] = {[15] = 1}, high_span[8] = {[7] = 1};
    EXPECT_REJECTED(record, otelctx_record_set(record, zero_trace, span_id, 0, NULL, 0));
    EXPECT_REJECTED(record, otelctx_record_set(record, trace_id, zero_span, 0, NULL, 0));
    EXPECT_REJECTED(record, otelctx_record_set(record, zero_trace, zero_span, 1, NULL, 0));
    EXPECT_REJECTED(record, otelctx_record_set(record, zero_trace, high_span, 1, NULL, 0));
    EXPECT_REJECTED(record, otelctx_record_set(record, high_trace, zero_span, 1, NULL, 0));
    /* Non-zero only in the last byte is set; all zero with flags 0 is "no trace". */
    CHECK_EQ(otelctx_record_set(record, high_trace, high_span, 1, NULL, 0), 0);
    CHECK(memcmp(record->trace_id, high_trace, 16) == 0 && record->trace_flags == 1);
    memset(record->trace_id, 0x77, 16);
    CHECK_EQ(otelctx_record_set(record, zero_trace, zero_span, 0, &good, 1), 0);
    CHECK(memcmp(record->trace_id, zero_trace, 16) == 0 && record->valid == 1);
    CHECK(memcmp(record->span_id, zero_span, 8) == 0 && record->attrs_data_size == 5);
    CHECK_EQ(otelctx_record_set(record, trace_id, span_id, 1, &good, 1), 0);

    /* The same rules through the attached record. */
    CHECK(otelctx_attach(record) == NULL);
    EXPECT_REJECTED(record, otelctx_update(trace_id, NULL, 0, NULL, 0));
    EXPECT_REJECTED(record, otelctx_update(NULL, NULL, 2, NULL, 0));
    EXPECT_REJECTED(record, otelctx_update(trace_id, span_id, 0, NULL, 1));
    EXPECT_REJECTED(record, otelctx_update(trace_id, span_id, 0, null_value, 2));
    EXPECT_REJECTED(record, otelctx_update(trace_id, span_id, 0, null_one_first, 3));
    EXPECT_REJECTED(record, otelctx_update(trace_id, span_id, 0, null_one_last, 3));
    EXPECT_REJECTED(record, otelctx_update(zero_trace, span_id, 0, NULL, 0));
    EXPECT_REJECTED(record, otelctx_update(trace_id, zero_span, 0, NULL, 0));
    EXPECT_REJECTED(record, otelctx_update(zero_trace, zero_span, 1, NULL, 0));
    CHECK(otelctx_current() == record);
    CHECK(otelctx_detach() == record);

    /* NULL and misaligned records. */
    CHECK_EQ(otelctx_record_set(NULL, trace_id, span_id, 0, NULL, 0), -EINVAL);
    CHECK_EQ(otelctx_record_init(NULL), -EINVAL);
    alignas(otelctx_record) unsigned char storage[sizeof(otelctx_record) + 1];
    memset(storage, 0x5a, sizeof(storage));
    otelctx_record *odd = (otelctx_record *)(void *)(storage + 1);
    EXPECT_REJECTED(storage, otelctx_record_init(odd));
    EXPECT_REJECTED(storage, otelctx_record_set(odd, trace_id, span_id, 0, NULL, 0));

    /* A NULL value of length 0 is an empty value, not an error. */
    const otelctx_attr empty = {.key = 3, .value = NULL, .len = 0};
    CHECK_EQ(otelctx_record_set(record, NULL, NULL, 0, &empty, 1), 0);
    CHECK_EQ(record->attrs_data_size, 2);

    otelctx_record_free(record);
    return 0;
}
