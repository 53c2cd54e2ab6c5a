/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prepared attribute sets against the plain writers they stand for: for
 * every attribute list below (short and long values, non-ASCII and invalid
 * UTF-8, values over 255 bytes, more than fits, none), a set made from it
 * written with otelctx_record_set_attrset / otelctx_update_attrset gives the
 * same return value, the same 28-byte header and the same first
 * attrs_data_size bytes as otelctx_record_set / otelctx_update with the list
 * itself, on records of every alignment the writers accept; the id rules and
 * the errors of otelctx_attrset_new are the plain calls'.
 */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "check.h"
#include "otelctx.h"

static const uint8_t trace_id[16] = {0x7a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t span_id[8] = {0x5b, 1, 2, 3, 4, 5, 6, 7};
static const uint8_t zero[16];

static char long_value[300], fill[250];

#define MAX_ATTRS 8
struct list {
    const char *what;
    otelctx_attr attrs[MAX_ATTRS];
    size_t n;
};

static struct list lists[] = {
    {"none", {{0}}, 0},
    {"two short", {{1, "GET", 3}, {2, "/api/v1", 7}}, 2},
    {"one byte and empty", {{3, "x", 1}, {4, "", 0}, {5, NULL, 0}}, 3},
    {"exactly 16 bytes encoded", {{1, "abcdefghijklmn", 14}}, 1},
    {"17 bytes encoded", {{1, "abcdefghijklmno", 15}}, 1},
    {"long and non-ASCII", {{1, "/caf\xc3\xa9/\xf0\x9f\x98\x80/a/rather/long/route", 33}, {2, "GET", 3}}, 2},
    {"invalid UTF-8 left out", {{1, "ok", 2}, {2, "\xc3(", 2}, {3, "\xed\xa0\x80", 3}, {4, "end", 3}}, 4},
    {"over 255 bytes left out", {{1, long_value, 256}, {2, "kept", 4}}, 2},
    {"more than fits", {{1, fill, 250}, {2, fill, 250}, {3, fill, 250}, {4, "x", 1}}, 4},
    {"exactly full", {{1, fill, 250}, {2, fill, 250}, {3, fill, 106}}, 3},
};

/* The record's header and its first attrs_data_size bytes. */
static void expect_same(const otelctx_record *got, const otelctx_record *want, const char *what)
{
    if (memcmp(got, want, 28) != 0 || memcmp(got->attrs_data, want->attrs_data, want->attrs_data_size) != 0) {
        fprintf(stderr, "test_attrset: %s: the set's record differs from the plain call's\n", what);
        exit(1);
    }
}

static void check_record_set(const struct list *l, otelctx_record *a, otelctx_record *b)
{
    int left_out = -1;
    otelctx_attrset *set = otelctx_attrset_new(l->attrs, l->n, &left_out);

    CHECK(set != NULL);
    const uint8_t *ids[][2] = {{trace_id, span_id}, {NULL, NULL}};
    for (size_t k = 0; k < 2; k++) {
        uint8_t flags = ids[k][0] != NULL;
        /* Different old contents: only what the call writes may match. */
        memset(a, 0xa5, sizeof(*a));
        memset(b, 0x5a, sizeof(*b));
        int plain = otelctx_record_set(b, ids[k][0], ids[k][1], flags, l->attrs, l->n);
        CHECK(plain >= 0);
        CHECK_EQ(otelctx_record_set_attrset(a, ids[k][0], ids[k][1], flags, set), plain);
        CHECK_EQ(left_out, plain);
        expect_same(a, b, l->what);
        /* The id rules are the plain call's, and a refusal changes nothing. */
        otelctx_record before;
        memcpy(&before, a, sizeof(before));
        CHECK_EQ(otelctx_record_set_attrset(a, trace_id, NULL, 1, set), -EINVAL);
        CHECK_EQ(otelctx_record_set_attrset(a, zero, span_id, 1, set), -EINVAL);
        CHECK_EQ(otelctx_record_set_attrset(a, NULL, NULL, 1, set), -EINVAL);
        CHECK(memcmp(&before, a, sizeof(before)) == 0);
    }
    otelctx_attrset_free(set);
}

static void check_update(const struct list *l, otelctx_record *a, otelctx_record *b)
{
    otelctx_attrset *set = otelctx_attrset_new(l->attrs, l->n, NULL);

    CHECK(set != NULL);
    CHECK(otelctx_attach(b) == NULL);
    int plain = otelctx_update(trace_id, span_id, 1, l->attrs, l->n);
    CHECK(otelctx_detach() == b);
    CHECK(otelctx_attach(a) == NULL);
    CHECK_EQ(otelctx_update_attrset(trace_id, span_id, 1, set), plain);
    CHECK(otelctx_detach() == a);
    expect_same(a, b, l->what);
    /* Nothing attached: the thread's own record, attached whole. */
    CHECK_EQ(otelctx_update_attrset(trace_id, span_id, 1, set), plain);
    otelctx_record *own = otelctx_current();
    CHECK(own != NULL && own != a && own != b);
    expect_same(own, b, l->what);
    CHECK(otelctx_detach() == own);
    otelctx_attrset_free(set);
}

static void check_set_errors(void)
{
    const otelctx_attr null_value = {1, NULL, 3};

    errno = 0;
    CHECK(otelctx_attrset_new(NULL, 1, NULL) == NULL && errno == EINVAL);
    errno = 0;
    CHECK(otelctx_attrset_new(&null_value, 1, NULL) == NULL && errno == EINVAL);
    errno = 0;
    CHECK(otelctx_attrset_new(&null_value, (size_t)INT32_MAX + 1, NULL) == NULL && errno == EINVAL);
    /* An empty set, and no set, write no attribute. */
    int left_out = -1;
    otelctx_attrset *empty = otelctx_attrset_new(NULL, 0, &left_out);
    CHECK(empty != NULL && left_out == 0);
    otelctx_record *r = otelctx_record_new();
    CHECK(r != NULL);
    CHECK_EQ(otelctx_record_set_attrset(r, trace_id, span_id, 1, empty), 0);
    CHECK_EQ(r->attrs_data_size, 0);
    CHECK_EQ(otelctx_record_set_attrset(r, trace_id, span_id, 1, NULL), 0);
    CHECK_EQ(r->attrs_data_size, 0);
    CHECK_EQ(r->valid, 1);
    CHECK_EQ(otelctx_record_set_attrset(NULL, trace_id, span_id, 1, empty), -EINVAL);
    otelctx_record_free(r);
    otelctx_attrset_free(empty);
    otelctx_attrset_free(NULL);
}

int main(void)
{
    /* Records at every alignment the writers accept (8) and a heap one. */
    alignas(8) static otelctx_record a, b;

    memset(long_value, 'L', sizeof(long_value));
    memset(fill, 'f', sizeof(fill));
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        check_record_set(&lists[i], &a, &b);
        check_update(&lists[i], &a, &b);
    }
    check_set_errors();
    printf("test_attrset: %zu attribute lists, each as the plain writers write it\n",
           sizeof(lists) / sizeof(lists[0]));
    return 0;
}
