/* SPDX-License-Identifier: Apache-2.0 */
#include "process_ctx_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"

enum { HEADER_SIZE = 32, MAX_PAYLOAD = 1 << 20, RETRIES = 100 };

/* ---- a protobuf reader for the few messages of ProcessContext ----------- */

/* Bytes [p, end); a field that is not length-delimited has p == NULL. */
struct pb {
    const uint8_t *p, *end;
};

/* At most 10 bytes, as protobuf encodes a 64-bit value. */
static int varint(struct pb *b, uint64_t *out)
{
    *out = 0;
    for (int shift = 0; shift < 64 && b->p < b->end; shift += 7) {
        uint8_t byte = *b->p++;
        *out |= (uint64_t)(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0)
            return 0;
    }
    return -1;
}

/* The next field: its number, and for length-delimited ones the bytes.
 * Field numbers are 1 to 2^29 - 1, as protobuf decoders require. */
static int field(struct pb *b, unsigned *number, struct pb *bytes)
{
    uint64_t key, len;
    if (varint(b, &key) != 0 || key >> 3 == 0 || key >> 3 > (1u << 29) - 1)
        return -1;
    *number = (unsigned)(key >> 3);
    bytes->p = bytes->end = NULL;
    switch (key & 7) {
    case 0: return varint(b, &len);
    case 1: if (b->end - b->p < 8) return -1; b->p += 8; return 0;
    case 5: if (b->end - b->p < 4) return -1; b->p += 4; return 0;
    case 2:
        if (varint(b, &len) != 0 || len > (uint64_t)(b->end - b->p))
            return -1;
        bytes->p = b->p;
        bytes->end = b->p + len;
        b->p += len;
        return 0;
    default: return -1;
    }
}

static size_t pb_size(struct pb s)
{
    return (size_t)(s.end - s.p);
}

static int pb_is(struct pb s, const char *text)
{
    size_t n = strlen(text);
    return pb_size(s) == n && (n == 0 || memcmp(s.p, text, n) == 0);
}

/* A protobuf string as a C string; counted when it does not fit or holds a
 * NUL (where a C string ends). */
static void text(struct process_ctx *ctx, char out[MAX_TEXT], struct pb s)
{
    size_t n = pb_size(s);
    const uint8_t *nul = n ? memchr(s.p, 0, n) : NULL;
    size_t kept = nul != NULL ? (size_t)(nul - s.p) : n;

    if (kept >= MAX_TEXT)
        kept = MAX_TEXT - 1;
    if (kept)
        memcpy(out, s.p, kept);
    out[kept] = '\0';
    ctx->n_cut_texts += kept != n;
}

/* One pass over msg: the last length-delimited fields numbered first and
 * second (empty when absent). */
static int pick(struct pb msg, unsigned first, struct pb *a, unsigned second, struct pb *b)
{
    unsigned n;
    struct pb s;
    static const uint8_t none[1];

    a->p = a->end = b->p = b->end = none;
    while (msg.p < msg.end) {
        if (field(&msg, &n, &s) != 0)
            return -1;
        if (n == first && s.p != NULL)
            *a = s;
        if (n == second && s.p != NULL)
            *b = s;
    }
    return 0;
}

/* AnyValue: string_value = 1, array_value = 5 (ArrayValue: values = 1). */
static int any_value(struct pb v, struct pb *string, struct pb *array)
{
    return pick(v, 1, string, 5, array);
}

/* KeyValue: key = 1, value = 2 (an AnyValue). */
static int key_value(struct pb kv, struct pb *key, struct pb *string, struct pb *array)
{
    struct pb v;
    if (pick(kv, 1, key, 2, &v) != 0)
        return -1;
    return any_value(v, string, array);
}

/* Resource: attributes = 1. */
static int resource(struct process_ctx *ctx, struct pb msg)
{
    unsigned n;
    struct pb kv, key, value, array;

    while (msg.p < msg.end) {
        if (field(&msg, &n, &kv) != 0)
            return -1;
        if (n != 1 || kv.p == NULL)
            continue;
        if (key_value(kv, &key, &value, &array) != 0)
            return -1;
        if (ctx->n_resource == MAX_PAIRS) {
            ctx->n_dropped_resource++;
            continue;
        }
        struct pair *p = &ctx->resource[ctx->n_resource++];
        text(ctx, p->key, key);
        text(ctx, p->value, value);
    }
    return 0;
}

/* The names of threadlocal.attribute_key_map; a repeated one replaces. */
static int key_map(struct process_ctx *ctx, struct pb array)
{
    unsigned n;
    struct pb item, name, nested;

    ctx->n_key_map_attrs++;
    ctx->n_keys = ctx->n_empty_keys = ctx->n_dropped_keys = 0;
    while (array.p < array.end) {
        if (field(&array, &n, &item) != 0)
            return -1;
        if (n != 1 || item.p == NULL)
            continue;
        if (any_value(item, &name, &nested) != 0)
            return -1;
        if (ctx->n_keys == MAX_KEYS) {
            ctx->n_dropped_keys++;
            continue;
        }
        ctx->n_empty_keys += pb_size(name) == 0;
        text(ctx, ctx->keys[ctx->n_keys++], name);
    }
    return 0;
}

int process_ctx_decode(struct process_ctx *ctx, const uint8_t *bytes, size_t size)
{
    unsigned n;
    struct pb msg = {bytes, bytes + size}, s, key, value, array;

    while (msg.p < msg.end) {
        if (field(&msg, &n, &s) != 0)
            return -1;
        if (s.p == NULL)
            continue;
        if (n == 1 && resource(ctx, s) != 0)
            return -1;
        if (n != 2)
            continue;
        if (key_value(s, &key, &value, &array) != 0) /* attributes */
            return -1;
        if (pb_is(key, "threadlocal.schema_version")) {
            text(ctx, ctx->schema, value);
            ctx->n_schema_attrs++;
        }
        if (pb_is(key, "threadlocal.attribute_key_map") && key_map(ctx, array) != 0)
            return -1;
    }
    return 0;
}

/* ---- the update protocol: timestamp, payload, same timestamp ------------ */

/* A writer caught mid-update may be off the CPU: give it growing time,
 * at most 1 ms per retry, 0.1 s in all. */
static void pause_before_retry(int attempt)
{
    struct timespec pause = {0, (attempt < 10 ? attempt : 10) * 100000L};
    nanosleep(&pause, NULL);
}

static void warn_dropped(const struct target *t, const struct process_ctx *ctx)
{
    if (ctx->n_dropped_resource == 0 && ctx->n_dropped_keys == 0 && ctx->n_cut_texts == 0)
        return;
    diag("warning: process context of process %d: not shown: %zu resource attribute(s) after "
         "the first %d, %zu key name(s) after the first %d; %zu string(s) shown cut (at %d "
         "bytes or at a NUL byte)", (int)t->pid, ctx->n_dropped_resource, MAX_PAIRS,
         ctx->n_dropped_keys, MAX_KEYS, ctx->n_cut_texts, MAX_TEXT - 1);
}

static int read_published_at(const struct target *t, uint64_t *at, char *why, size_t why_len)
{
    if (target_read(t, t->ctx_mapping + 16, at, sizeof(*at)) == 0)
        return 0;
    snprintf(why, why_len, "cannot read the OTEL_CTX mapping of process %d", (int)t->pid);
    return -1;
}

int process_ctx_read(const struct target *t, struct process_ctx *ctx, char *why, size_t why_len)
{
    const char *retried = "kept changing while read";

    memset(ctx, 0, sizeof(*ctx));
    if (t->ctx_mapping == 0)
        return 0;
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        uint8_t header[HEADER_SIZE];
        uint32_t version, size;
        uint64_t before, after, payload;
        if (attempt > 0)
            pause_before_retry(attempt);
        if (target_read(t, t->ctx_mapping, header, sizeof(header)) != 0) {
            snprintf(why, why_len, "cannot read the OTEL_CTX mapping of process %d", (int)t->pid);
            return -1;
        }
        memcpy(&version, header + 8, 4);
        memcpy(&size, header + 12, 4);
        memcpy(&before, header + 16, 8);
        memcpy(&payload, header + 24, 8);
        ctx->header_read = memcmp(header, "OTEL_CTX", 8) == 0;
        ctx->version = version;
        ctx->payload_size = size;
        if (memcmp(header, "OTEL_CTX", 8) != 0 || version != 2 || size > MAX_PAYLOAD) {
            snprintf(why, why_len, "OTEL_CTX mapping of process %d has an unknown header", (int)t->pid);
            return -1;
        }
        if (before == 0) {
            retried = "was being updated (published_at_ns 0) at every read";
            continue;
        }
        uint8_t *bytes = malloc(size ? size : 1);
        if (bytes == NULL) {
            snprintf(why, why_len, "no memory for the %u-byte process context of process %d",
                     size, (int)t->pid);
            return -1;
        }
        int payload_read = target_read(t, payload, bytes, size) == 0;
        if (read_published_at(t, &after, why, why_len) != 0) {
            free(bytes);
            return -1;
        }
        if (after != before) {
            free(bytes);
            retried = "kept changing while read";
            continue;
        }
        /* The header did not move while the payload was read: it is the
         * pointer that is wrong, not a writer that is busy. */
        if (!payload_read) {
            free(bytes);
            snprintf(why, why_len, "process context of process %d: payload at 0x%llx cannot be read",
                     (int)t->pid, (unsigned long long)payload);
            return -1;
        }
        memset(ctx, 0, sizeof(*ctx));
        ctx->header_read = 1;
        ctx->version = version;
        ctx->payload_size = size;
        ctx->published_at_ns = before;
        int decoded = process_ctx_decode(ctx, bytes, size) == 0;
        free(bytes);
        if (!decoded) {
            snprintf(why, why_len, "process context payload of process %d does not decode", (int)t->pid);
            return -1;
        }
        ctx->present = 1;
        warn_dropped(t, ctx);
        return 0;
    }
    snprintf(why, why_len, "process context of process %d %s", (int)t->pid, retried);
    return -1;
}
