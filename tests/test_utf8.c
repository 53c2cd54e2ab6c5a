/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Values must be UTF-8 (OTEP 4947; the eBPF profiler's decoder drops
 * others): a value that is not is left out whole and counted, the entries
 * around it stay, byte for byte. Every length class of the copy (1, 2-3,
 * 4-7, 8-16, 17+) is tried with the offending byte at each position.
 * Key names and resource keys and values follow the same rule (they go into
 * protobuf string fields, and a strict proto3 decoder rejects the whole
 * payload for one that is not UTF-8): -EINVAL, nothing registered, the
 * published context byte for byte unchanged; valid multi-byte ones are
 * registered and published.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "otelctx.h"
#include "process_ctx_util.h"

static const uint8_t trace_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t span_id[8] = {21, 22, 23, 24, 25, 26, 27, 28};

/* Publishes {before, value, after}; checks what came out. */
static void expect(otelctx_record *record, const char *value, size_t len, int kept)
{
    const otelctx_attr attrs[] = {
        {.key = 1, .value = "a", .len = 1},
        {.key = 2, .value = value, .len = len},
        {.key = 3, .value = "z", .len = 1},
    };
    uint8_t want[2 + 1 + 2 + 255 + 2 + 1];
    size_t n = 0;

    want[n++] = 1, want[n++] = 1, want[n++] = 'a';
    if (kept) {
        want[n++] = 2, want[n++] = (uint8_t)len;
        memcpy(want + n, value, len);
        n += len;
    }
    want[n++] = 3, want[n++] = 1, want[n++] = 'z';
    int ret = otelctx_record_set(record, trace_id, span_id, 1, attrs, 3);
    if (ret != !kept || record->attrs_data_size != n || memcmp(record->attrs_data, want, n) != 0 ||
        record->valid != 1) {
        fprintf(stderr, "value of %zu bytes, expected %s: returned %d, size %u\n", len,
                kept ? "kept" : "left out", ret, record->attrs_data_size);
        CHECK(0);
    }
}

/* Valid sequences, one per encoding length and boundary. */
static const char *const valid[] = {
    "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
    "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "caf\xc3\xa9", "\xe2\x82\xac",
};

/* Not UTF-8: stray continuation, overlongs, surrogates, above U+10FFFF,
 * bytes that never occur, sequences cut short. */
static const char *const invalid[] = {
    "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
    "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xfe",
    "\xc3", "\xe2\x82", "\xf0\x90\x80", "\xc3\x28", "\xe2\x28\xa1", "\xf0\x90\x28\xbc",
};

/* The published context, header and payload, as a reader would copy it. */
struct published {
    struct header header;
    uint8_t payload[4096];
};

static void snapshot(const struct header *h, struct published *out)
{
    CHECK(h != NULL && h->payload_size <= sizeof(out->payload));
    out->header = *h;
    memcpy(out->payload, (const void *)(uintptr_t)h->payload, h->payload_size);
}

static void check_unchanged(const struct header *h, const struct published *before,
                            size_t n_keys, const char *what, const char *seq)
{
    struct published now;
    snapshot(find_process_ctx(), &now);
    if (find_process_ctx() != h || otelctx_key_map(NULL) != n_keys ||
        memcmp(&now.header, &before->header, sizeof(now.header)) != 0 ||
        memcmp(now.payload, before->payload, now.header.payload_size) != 0) {
        fprintf(stderr, "%s with a bad sequence of %zu bytes changed what is published\n", what,
                strlen(seq));
        CHECK(0);
    }
}

static int payload_has(const struct header *h, const char *needle)
{
    return memmem((const void *)(uintptr_t)h->payload, h->payload_size, needle,
                  strlen(needle)) != NULL;
}

/* Each bad sequence alone, after a prefix and before a suffix (a sequence
 * cut short by the end of the string, or by the next ASCII byte). */
static void reject_in_names_and_resource(const char *seq)
{
    const struct header *h = find_process_ctx();
    struct published before;
    size_t n_keys = otelctx_key_map(NULL);
    char text[3][32];

    snapshot(h, &before);
    snprintf(text[0], sizeof(text[0]), "%s", seq);
    snprintf(text[1], sizeof(text[1]), "http.%s", seq);
    snprintf(text[2], sizeof(text[2]), "%s.route", seq);
    for (int t = 0; t < 3; t++) {
        const otelctx_kv bad_key[] = {{"service.name", "utf8"}, {text[t], "v"}};
        const otelctx_kv bad_value[] = {{"service.name", "utf8"}, {"host.name", text[t]}};
        CHECK_EQ(otelctx_key_index(text[t]), -EINVAL);
        check_unchanged(h, &before, n_keys, "otelctx_key_index", seq);
        CHECK_EQ(otelctx_process_publish(bad_key, 2), -EINVAL);
        check_unchanged(h, &before, n_keys, "a resource key", seq);
        CHECK_EQ(otelctx_process_publish(bad_value, 2), -EINVAL);
        check_unchanged(h, &before, n_keys, "a resource value", seq);
    }
}

/* A valid multi-byte name is registered and published; so is a resource
 * of valid multi-byte keys and values. */
static void accept_in_names_and_resource(const char *seq)
{
    char name[32], key[32];
    size_t n_keys = otelctx_key_map(NULL);
    const char *const *names;

    snprintf(name, sizeof(name), "name.%s", seq);
    snprintf(key, sizeof(key), "key.%s", seq);
    const otelctx_kv resource[] = {{"service.name", seq}, {key, "v"}};
    CHECK_EQ(otelctx_key_index(name), (int)n_keys);
    CHECK_EQ(otelctx_key_map(&names), n_keys + 1);
    CHECK(strcmp(names[n_keys], name) == 0);
    CHECK(payload_has(find_process_ctx(), name));
    CHECK_EQ(otelctx_process_publish(resource, 2), 0);
    CHECK(payload_has(find_process_ctx(), key) && payload_has(find_process_ctx(), seq));
}

int main(void)
{
    otelctx_record *record = otelctx_record_new();
    char value[255];

    CHECK(record != NULL);
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
        expect(record, valid[i], strlen(valid[i]), 1);
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
        expect(record, invalid[i], strlen(invalid[i]), 0);

    /* Each length class, the bad byte (or a good multi-byte char) anywhere. */
    static const size_t lengths[] = {1, 2, 3, 4, 7, 8, 9, 16, 17, 31, 32, 33, 100, 255};
    for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
        size_t len = lengths[l];
        memset(value, 'v', len);
        expect(record, value, len, 1);
        for (size_t at = 0; at < len; at++) {
            memset(value, 'v', len);
            value[at] = (char)0x80;
            expect(record, value, len, 0);
            value[at] = (char)0xc3; /* a lead byte with its continuation cut off at the end */
            expect(record, value, len, 0);
            if (at + 1 < len) {
                value[at + 1] = (char)0xa9; /* é */
                expect(record, value, len, 1);
            }
        }
    }

    /* The same rule through otelctx_update on the attached record. */
    const otelctx_attr bad = {.key = 4, .value = "\xff", .len = 1};
    CHECK(otelctx_attach(record) == NULL);
    CHECK_EQ(otelctx_update(trace_id, span_id, 0, &bad, 1), 1);
    CHECK_EQ(record->attrs_data_size, 0);
    CHECK(otelctx_detach() == record);
    otelctx_record_free(record);

    const otelctx_kv resource[] = {{"service.name", "utf8"}};
    CHECK_EQ(otelctx_key_index("http.method"), 0);
    CHECK_EQ(otelctx_process_publish(resource, 1), 0);
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
        reject_in_names_and_resource(invalid[i]);
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
        accept_in_names_and_resource(valid[i]);
    return 0;
}
