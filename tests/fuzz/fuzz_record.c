/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: arbitrary ids, flags, keys, lengths, NULLs and counts
 * into otelctx_record_set / otelctx_update. After every call a decoder
 * written here, from the specification, checks the record: on success
 * valid is 1, the ids and flags are the ones passed, attrs_data parses to
 * exactly attrs_data_size (<= 612) and holds exactly the attributes that fit
 * (whole entries, in order, values <= 255 bytes and UTF-8), and the return
 * value is the number left out; on failure the record is byte-for-byte
 * unchanged. Both ids all zero is "no trace"; one of them is an error.
 * Every accepted call is then repeated with a set prepared from the same
 * attributes (otelctx_attrset_new, otelctx_record_set_attrset): the same
 * return value, header and first attrs_data_size bytes.
 *
 * Input: MODE FLAGS TRACE[16] SPAN[8] N, then N times KEY LEN_LO LEN_HI OFFSET,
 * then the bytes the values are taken from (repeated to fill the pool).
 * MODE bits: 0 no trace id, 1 no span id, 2 no attrs array, 3 count past
 * INT_MAX (rejected before any entry is read),
 * 4-5 target (record_set, update in place, update of the own record,
 * partial updates), 6 misaligned record. LEN_HI bit 7 passes a NULL value.
 * Partial updates: a record of the ids and no attributes is attached, every
 * attribute is pushed with otelctx_attr_push, FLAGS % 8 are popped, then
 * SPAN becomes the span id with otelctx_update_span; the decoder follows
 * each step.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "otelctx.h"

extern _Thread_local otelctx_record *otel_thread_ctx_v1;

enum { MAX_ATTRS = 64, POOL = 1024 };

static uint8_t pool[POOL];
static union {
    otelctx_record record;
    uint8_t bytes[sizeof(otelctx_record) + 1];
} storage;

#define REQUIRE(cond) do { if (!(cond)) abort(); } while (0)

struct call {
    const uint8_t *trace_id, *span_id;
    uint8_t flags;
    const otelctx_attr *attrs;
    size_t n_attrs;     /* as passed: may claim more than were made */
    size_t n_made;      /* the entries of attrs made from the input */
};

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* UTF-8 by decoding each code point and checking it: shortest form, not a
 * surrogate, at most U+10FFFF. */
static bool is_utf8(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n;
        if (s[i] < 0x80) { i++; continue; }
        else if ((s[i] & 0xe0) == 0xc0) { n = 2; cp = s[i] & 0x1f; }
        else if ((s[i] & 0xf0) == 0xe0) { n = 3; cp = s[i] & 0x0f; }
        else if ((s[i] & 0xf8) == 0xf0) { n = 4; cp = s[i] & 0x07; }
        else return false;
        if (i + n > len)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        static const uint32_t shortest[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < shortest[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n;
    }
    return true;
}

static bool no_trace(const struct call *c)
{
    return c->trace_id == NULL || (all_zero(c->trace_id, 16) && all_zero(c->span_id, 8));
}

static bool arguments_valid(const struct call *c, bool misaligned)
{
    if (misaligned || (c->trace_id == NULL) != (c->span_id == NULL))
        return false;
    if (c->trace_id != NULL && all_zero(c->trace_id, 16) != all_zero(c->span_id, 8))
        return false;
    if (no_trace(c) && c->flags != 0)
        return false;
    if (c->n_attrs > INT_MAX || (c->attrs == NULL && c->n_attrs > 0))
        return false;
    for (size_t i = 0; i < c->n_attrs; i++)
        if (c->attrs[i].value == NULL && c->attrs[i].len > 0)
            return false;
    return true;
}

/* Decodes r and compares it with what the call asked for. */
static void check_published(const otelctx_record *r, const struct call *c, int ret)
{
    static const uint8_t zero[16];
    size_t pos = 0, used = 0;
    int left_out = 0;

    REQUIRE(r->valid == 1);
    REQUIRE(memcmp(r->trace_id, c->trace_id ? c->trace_id : zero, 16) == 0);
    REQUIRE(memcmp(r->span_id, c->span_id ? c->span_id : zero, 8) == 0);
    REQUIRE(r->trace_flags == c->flags);
    REQUIRE(r->attrs_data_size <= OTELCTX_ATTRS_CAPACITY);
    for (size_t i = 0; i < c->n_attrs; i++) {
        const otelctx_attr *a = &c->attrs[i];
        if (a->len > 255 || used + 2 + a->len > OTELCTX_ATTRS_CAPACITY ||
            !is_utf8((const uint8_t *)a->value, a->len)) {
            left_out++;
            continue;
        }
        used += 2 + a->len;
        REQUIRE(pos + 2 <= r->attrs_data_size);
        REQUIRE(r->attrs_data[pos] == a->key && r->attrs_data[pos + 1] == a->len);
        REQUIRE(pos + 2 + a->len <= r->attrs_data_size);
        REQUIRE(a->len == 0 || memcmp(&r->attrs_data[pos + 2], a->value, a->len) == 0);
        pos += 2 + a->len;
    }
    REQUIRE(pos == r->attrs_data_size);
    REQUIRE(ret == left_out);
}

/* The entry each push must append, as the decoder sees the rules. */
struct model {
    size_t ends[OTELCTX_ATTRS_CAPACITY / 2 + 1]; /* offset after each entry */
    size_t count;
};

static void check_partial(otelctx_record *record, const struct call *c)
{
    struct model m = {0};
    size_t used = 0;

    if (c->trace_id == NULL || !arguments_valid(&(struct call){c->trace_id, c->span_id, c->flags,
                                                               NULL, 0}, false))
        return;
    REQUIRE(otelctx_record_set(record, c->trace_id, c->span_id, c->flags, NULL, 0) == 0);
    otelctx_attach(record);
    for (size_t i = 0; c->attrs != NULL && i < c->n_made; i++) {
        const otelctx_attr *a = &c->attrs[i];
        int ret = otelctx_attr_push(a);
        if (a->value == NULL && a->len > 0) {
            REQUIRE(ret == -EINVAL);
        } else if (a->len > 255 || used + 2 + a->len > OTELCTX_ATTRS_CAPACITY ||
                   !is_utf8((const uint8_t *)a->value, a->len)) {
            REQUIRE(ret == 1);
        } else {
            REQUIRE(ret == 0);
            REQUIRE(record->attrs_data[used] == a->key && record->attrs_data[used + 1] == a->len);
            REQUIRE(a->len == 0 || memcmp(&record->attrs_data[used + 2], a->value, a->len) == 0);
            used += 2 + a->len;
            m.ends[m.count++] = used;
        }
        REQUIRE(record->attrs_data_size == used && record->valid == 1);
    }
    size_t pop = c->flags % 8, removed = pop < m.count ? pop : m.count;
    REQUIRE(otelctx_attr_pop(pop) == (int)removed);
    m.count -= removed;
    REQUIRE(record->attrs_data_size == (m.count ? m.ends[m.count - 1] : 0));
    int ret = otelctx_update_span(c->span_id);
    REQUIRE(ret == (no_trace(c) ? -EINVAL : 0));
    REQUIRE(memcmp(record->span_id, c->span_id, 8) == 0 && memcmp(record->trace_id, c->trace_id, 16) == 0);
    otelctx_attach(NULL);
}

/* A set made from the same attributes, written with the same ids, gives the
 * record the plain call gave: header and first attrs_data_size bytes. */
static void check_attrset(const otelctx_record *plain, const struct call *c, int ret)
{
    static union {
        otelctx_record record;
        uint8_t bytes[sizeof(otelctx_record)];
    } other;
    int left_out = -1;
    otelctx_attrset *set = otelctx_attrset_new(c->attrs, c->n_attrs, &left_out);

    REQUIRE(set != NULL && left_out == ret);
    memset(other.bytes, 0xa5, sizeof(other.bytes));
    REQUIRE(otelctx_record_set_attrset(&other.record, c->trace_id, c->span_id, c->flags, set) == ret);
    REQUIRE(memcmp(other.bytes, plain, 28) == 0);
    REQUIRE(memcmp(other.record.attrs_data, plain->attrs_data, plain->attrs_data_size) == 0);
    otelctx_attrset_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    otelctx_attr attrs[MAX_ATTRS];
    otelctx_record before;
    struct call c = {0};

    if (size < 27)
        return 0;

    uint8_t mode = data[0];
    c.flags = data[1];
    c.trace_id = mode & 1 ? NULL : data + 2;
    c.span_id = mode & 2 ? NULL : data + 18;
    size_t n = data[26] % (MAX_ATTRS + 1), offset = 27;
    for (size_t i = 0; i < n && offset + 4 <= size; i++, offset += 4) {
        size_t len = data[offset + 1] | (size_t)(data[offset + 2] & 0x01) << 8;
        size_t start = (size_t)data[offset + 3] * 2;
        attrs[i].key = data[offset];
        attrs[i].len = len;
        attrs[i].value = data[offset + 2] & 0x80 ? NULL : (const char *)pool + start;
        c.n_attrs++;
        c.n_made++;
    }
    /* The values' bytes: the rest of the input, repeated (ASCII by default). */
    memset(pool, 'v', POOL);
    for (size_t i = 0; offset < size && i < POOL; i++)
        pool[i] = data[offset + i % (size - offset)];
    c.attrs = mode & 4 ? NULL : attrs;
    if (mode & 8)
        c.n_attrs += (size_t)INT_MAX + 1;

    int target = (mode >> 4) & 3;
    bool misaligned = target == 0 && (mode & 64);
    /* Compared as bytes: a misaligned record is never read as a struct here. */
    const uint8_t *bytes = storage.bytes + (misaligned ? 1 : 0);
    otelctx_record *record = (otelctx_record *)(uintptr_t)bytes;
    int ret;

    if (target == 3) {
        check_partial(record, &c);
        return 0;
    }
    if (target == 0) {
        otelctx_attach(NULL);
        memcpy(&before, bytes, sizeof(before));
        ret = otelctx_record_set(record, c.trace_id, c.span_id, c.flags, c.attrs, c.n_attrs);
    } else if (target == 1) {
        otelctx_attach(record);
        memcpy(&before, bytes, sizeof(before));
        ret = otelctx_update(c.trace_id, c.span_id, c.flags, c.attrs, c.n_attrs);
        REQUIRE(otel_thread_ctx_v1 == record);
    } else {
        otelctx_attach(NULL);
        ret = otelctx_update(c.trace_id, c.span_id, c.flags, c.attrs, c.n_attrs);
        record = otel_thread_ctx_v1;
    }

    if (!arguments_valid(&c, misaligned)) {
        REQUIRE(ret == -EINVAL);
        if (target < 2)
            REQUIRE(memcmp(&before, bytes, sizeof(before)) == 0);
        else
            REQUIRE(record == NULL);
        return 0;
    }
    REQUIRE(record != NULL);
    check_published(record, &c, ret);
    otelctx_attach(NULL);
    check_attrset(record, &c, ret);
    return 0;
}
