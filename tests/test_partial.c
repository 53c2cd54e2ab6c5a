/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Partial updates of the attached record, byte-compared: update_span changes
 * the span id and nothing else, update_flags the trace flags; attr_push appends one entry (or leaves the
 * record unchanged); attr_pop drops the last entries with one store;
 * detach_if only detaches its own record; record_invalidate hides a record
 * until the next record_set or update. Every error leaves the record
 * byte-for-byte as it was.
 */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "check.h"
#include "otelctx.h"

static const uint8_t trace_id[16] = {0xaa, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t span_id[8] = {0xbb, 1, 2, 3, 4, 5, 6, 7};
static const uint8_t child_span[8] = {0xcc, 9, 9, 9, 9, 9, 9, 9};
static const otelctx_attr get = {.key = 1, .value = "GET", .len = 3};
static const otelctx_attr route = {.key = 2, .value = "/api/v1", .len = 7};

/* The call returns want and changes the record only as expect says. */
#define EXPECT_CALL(record, call, want, expected)                           \
    do {                                                                    \
        CHECK_EQ((call), (want));                                           \
        CHECK(memcmp((record), (expected), sizeof(otelctx_record)) == 0);   \
    } while (0)

static void check_update_span(otelctx_record *r)
{
    otelctx_record expected;
    static const uint8_t zero[8];

    CHECK_EQ(otelctx_record_set(r, trace_id, span_id, 1, &get, 1), 0);
    memcpy(&expected, r, sizeof(expected));
    memcpy(expected.span_id, child_span, 8);
    EXPECT_CALL(r, otelctx_update_span(child_span), 0, &expected);
    EXPECT_CALL(r, otelctx_update_span(NULL), -EINVAL, &expected);
    EXPECT_CALL(r, otelctx_update_span(zero), -EINVAL, &expected);
    /* No trace on the record: a span id alone would break OTEP 4947. */
    CHECK_EQ(otelctx_record_set(r, NULL, NULL, 0, &get, 1), 0);
    memcpy(&expected, r, sizeof(expected));
    EXPECT_CALL(r, otelctx_update_span(child_span), -EINVAL, &expected);
}

static void check_update_flags(otelctx_record *r)
{
    otelctx_record expected;

    CHECK_EQ(otelctx_record_set(r, trace_id, span_id, 1, &get, 1), 0);
    memcpy(&expected, r, sizeof(expected));
    expected.trace_flags = 0;
    EXPECT_CALL(r, otelctx_update_flags(0), 0, &expected);
    expected.trace_flags = 0x81;
    EXPECT_CALL(r, otelctx_update_flags(0x81), 0, &expected);
    /* No trace on the record: flags stay 0 (OTEP 4947). */
    CHECK_EQ(otelctx_record_set(r, NULL, NULL, 0, &get, 1), 0);
    memcpy(&expected, r, sizeof(expected));
    EXPECT_CALL(r, otelctx_update_flags(1), -EINVAL, &expected);
    EXPECT_CALL(r, otelctx_update_flags(0), 0, &expected);
}

/* Records 2-byte aligned only: the span store must still be whole. */
static void check_update_span_misaligned(void)
{
    /* Static: zeroed, as record_init leaves the attribute bytes alone. */
    alignas(8) static unsigned char storage[sizeof(otelctx_record) + 8];
    for (size_t shift = 0; shift < 8; shift += 2) {
        otelctx_record *r = (otelctx_record *)(void *)(storage + shift);
        static otelctx_record expected;
        CHECK_EQ(otelctx_record_init(r), 0);
        CHECK_EQ(otelctx_record_set(r, trace_id, span_id, 1, &route, 1), 0);
        CHECK(otelctx_attach(r) == NULL);
        memcpy(&expected, r, sizeof(expected));
        memcpy(expected.span_id, child_span, 8);
        EXPECT_CALL(r, otelctx_update_span(child_span), 0, &expected);
        CHECK(otelctx_detach() == r);
    }
}

static void check_push_pop(otelctx_record *r)
{
    otelctx_record expected, before;
    const otelctx_attr not_utf8 = {.key = 3, .value = "\xc3\x28", .len = 2};
    const otelctx_attr null_value = {.key = 3, .value = NULL, .len = 1};
    char big[256];
    memset(big, 'b', sizeof(big));
    const otelctx_attr too_long = {.key = 4, .value = big, .len = 256};

    CHECK_EQ(otelctx_record_set(r, trace_id, span_id, 1, &get, 1), 0);
    memcpy(&before, r, sizeof(before));
    /* Pushing route makes the record that record_set of both makes. */
    memcpy(&expected, &before, sizeof(expected));
    CHECK_EQ(otelctx_record_set(&expected, trace_id, span_id, 1,
                                (const otelctx_attr[]){get, route}, 2), 0);
    memcpy(r, &before, sizeof(before));
    EXPECT_CALL(r, otelctx_attr_push(&route), 0, &expected);
    CHECK(memcmp(r->attrs_data, expected.attrs_data, r->attrs_data_size) == 0);
    /* Values the straight line hands to the UTF-8 copy: longer than 16
     * bytes, and not plain ASCII. */
    const otelctx_attr long_route = {.key = 3, .value = "/api/v1/users/{id}", .len = 18};
    const otelctx_attr accented = {.key = 4, .value = "caf\xc3\xa9", .len = 5};
    memcpy(&expected, r, sizeof(expected));
    CHECK_EQ(otelctx_record_set(&expected, trace_id, span_id, 1,
                                (const otelctx_attr[]){get, route, long_route, accented}, 4), 0);
    CHECK_EQ(otelctx_attr_push(&long_route), 0);
    CHECK_EQ(otelctx_attr_push(&accented), 0);
    CHECK_EQ(r->attrs_data_size, expected.attrs_data_size);
    CHECK(memcmp(r->attrs_data, expected.attrs_data, r->attrs_data_size) == 0);
    CHECK_EQ(otelctx_attr_pop(2), 2);
    /* Left out: the record, bytes past the size included, is unchanged. */
    memcpy(&expected, r, sizeof(expected));
    EXPECT_CALL(r, otelctx_attr_push(&not_utf8), 1, &expected);
    EXPECT_CALL(r, otelctx_attr_push(&too_long), 1, &expected);
    EXPECT_CALL(r, otelctx_attr_push(NULL), -EINVAL, &expected);
    EXPECT_CALL(r, otelctx_attr_push(&null_value), -EINVAL, &expected);
    /* No room: 612 bytes hold two 255-byte values and one of 96. */
    const otelctx_attr fill[] = {{5, big, 255}, {6, big, 255}, {7, big, 96}};
    CHECK_EQ(otelctx_record_set(r, trace_id, span_id, 1, fill, 3), 0);
    CHECK_EQ(r->attrs_data_size, OTELCTX_ATTRS_CAPACITY);
    memcpy(&expected, r, sizeof(expected));
    const otelctx_attr empty = {.key = 8, .value = "", .len = 0};
    EXPECT_CALL(r, otelctx_attr_push(&empty), 1, &expected);

    /* Pop: one store of the size; the bytes stay, readers stop at the size. */
    expected.attrs_data_size = 2 * 257;
    EXPECT_CALL(r, otelctx_attr_pop(1), 1, &expected);
    expected.attrs_data_size = 0;
    EXPECT_CALL(r, otelctx_attr_pop(5), 2, &expected);
    EXPECT_CALL(r, otelctx_attr_pop(1), 0, &expected);
    EXPECT_CALL(r, otelctx_attr_pop(0), 0, &expected);

    /* pop(1) at the sizes around its walk's bound (the capacity minus 2),
     * after entries of 255, 255 and 93 to 95 bytes (609 to 611 bytes),
     * with or without a lone key byte after them: the last whole entry
     * goes, the lone byte is ignored, and no length byte past attrs_data
     * is read (612 with a key byte at 611: ASan builds). */
    for (size_t third = 93; third <= 95; third++) {
        for (size_t lone = 0; lone <= 1; lone++) {
            const otelctx_attr three[] = {{5, big, 255}, {6, big, 255}, {7, big, third}};
            CHECK_EQ(otelctx_record_set(r, trace_id, span_id, 1, three, 3), 0);
            if (lone) {
                r->attrs_data[r->attrs_data_size] = 9;
                r->attrs_data_size++;
            }
            memcpy(&expected, r, sizeof(expected));
            expected.attrs_data_size = 2 * 257;
            EXPECT_CALL(r, otelctx_attr_pop(1), 1, &expected);
        }
    }

    /* A size past the capacity (written by hand): the walk stays inside
     * attrs_data, 306 empty entries, and the last one goes. */
    memset(r->attrs_data, 0, sizeof(r->attrs_data));
    r->attrs_data_size = UINT16_MAX;
    memcpy(&expected, r, sizeof(expected));
    expected.attrs_data_size = OTELCTX_ATTRS_CAPACITY - 2; /* an entry: key and length bytes */
    EXPECT_CALL(r, otelctx_attr_pop(1), 1, &expected);
    r->attrs_data_size = UINT16_MAX;
    expected.attrs_data_size = OTELCTX_ATTRS_CAPACITY - 3 * 2;
    EXPECT_CALL(r, otelctx_attr_pop(3), 3, &expected);
}

static void check_detach_if(otelctx_record *r)
{
    otelctx_record *other = otelctx_record_new();
    CHECK(other != NULL);
    CHECK(otelctx_attach(r) == NULL);
    CHECK(otelctx_detach_if(other) == NULL);
    CHECK(otelctx_current() == r);
    CHECK(otelctx_detach_if(NULL) == NULL);
    CHECK(otelctx_current() == r);
    CHECK(otelctx_detach_if(r) == r);
    CHECK(otelctx_current() == NULL);
    CHECK(otelctx_detach_if(r) == NULL);
    otelctx_record_free(other);
}

static void check_invalidate(otelctx_record *r)
{
    otelctx_record expected;

    CHECK_EQ(otelctx_record_set(r, trace_id, span_id, 1, &get, 1), 0);
    memcpy(&expected, r, sizeof(expected));
    expected.valid = 0;
    EXPECT_CALL(r, otelctx_record_invalidate(r), 0, &expected);
    CHECK_EQ(otelctx_record_invalidate(NULL), -EINVAL);
    /* Partial updates keep it hidden; a whole update shows it again. */
    CHECK(otelctx_attach(r) == NULL);
    CHECK_EQ(otelctx_update_span(child_span), 0);
    CHECK_EQ(r->valid, 0);
    CHECK_EQ(otelctx_update(trace_id, span_id, 1, &get, 1), 0);
    CHECK_EQ(r->valid, 1);
    CHECK_EQ(otelctx_record_invalidate(r), 0);
    CHECK_EQ(otelctx_record_set(r, trace_id, span_id, 1, &get, 1), 0);
    CHECK_EQ(r->valid, 1);
    CHECK(otelctx_detach() == r);
}

static void check_nothing_attached(void)
{
    CHECK(otelctx_current() == NULL);
    CHECK_EQ(otelctx_update_span(child_span), -ENOENT);
    CHECK_EQ(otelctx_update_flags(1), -ENOENT);
    CHECK_EQ(otelctx_attr_push(&get), -ENOENT);
    CHECK_EQ(otelctx_attr_pop(1), -ENOENT);
}

int main(void)
{
    otelctx_record *r = otelctx_record_new();

    CHECK(r != NULL);
    check_nothing_attached();
    CHECK(otelctx_attach(r) == NULL);
    check_update_span(r);
    check_update_flags(r);
    check_push_pop(r);
    CHECK(otelctx_detach() == r);
    check_update_span_misaligned();
    check_detach_if(r);
    check_invalidate(r);
    otelctx_record_free(r);
    return 0;
}
