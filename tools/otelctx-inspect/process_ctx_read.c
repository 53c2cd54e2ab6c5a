/* SPDX-License-Identifier: Apache-2.0 */
#include "process_ctx_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HEADER_SIZE = 32, MAX_PAYLOAD = 1 << 20, RETRIES = 100 };

/* ---- a protobuf reader for the few messages of ProcessContext ----------- */

struct pb {
    const uint8_t *p, *end;
};

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

/* The next field: its number, and for length-delimited ones the bytes. */
static int field(struct pb *b, unsigned *number, struct pb *bytes)
{
    uint64_t key, len;
    if (varint(b, &key) != 0)
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

static void text(char out[MAX_TEXT], struct pb s)
{
    size_t n = (size_t)(s.end - s.p);
    if (n >= MAX_TEXT)
        n = MAX_TEXT - 1;
    memcpy(out, s.p, n);
    out[n] = '\0';
}

/* One pass over msg: the string field text_field into out, the bytes of
 * the message field sub_field into *sub (empty when absent). */
static int pick(struct pb msg, unsigned text_field, char out[MAX_TEXT],
                unsigned sub_field, struct pb *sub)
{
    unsigned n;
    struct pb s;
    out[0] = '\0';
    sub->p = sub->end = NULL;
    while (msg.p < msg.end) {
        if (field(&msg, &n, &s) != 0)
            return -1;
        if (n == text_field && s.p != NULL)
            text(out, s);
        if (n == sub_field && s.p != NULL)
            *sub = s;
    }
    return 0;
}

/* AnyValue: string_value = 1, array_value = 5 (ArrayValue: values = 1). */
static int any_value(struct pb v, char out[MAX_TEXT], struct pb *array)
{
    return pick(v, 1, out, 5, array);
}

/* KeyValue: key = 1, value = 2 (an AnyValue). */
static int key_value(struct pb kv, char key[MAX_TEXT], char value[MAX_TEXT], struct pb *array)
{
    struct pb v;
    if (pick(kv, 1, key, 2, &v) != 0)
        return -1;
    return any_value(v, value, array);
}

static int decode(struct process_ctx *ctx, struct pb msg)
{
    unsigned n, m;
    struct pb s, r, array;
    char key[MAX_TEXT], value[MAX_TEXT];

    while (msg.p < msg.end) {
        if (field(&msg, &n, &s) != 0)
            return -1;
        if (n == 1 && s.p != NULL) {           /* resource: attributes = 1 */
            while (s.p < s.end) {
                if (field(&s, &m, &r) != 0)
                    return -1;
                if (m == 1 && r.p != NULL && ctx->n_resource < MAX_PAIRS) {
                    struct pair *p = &ctx->resource[ctx->n_resource++];
                    if (key_value(r, p->key, p->value, &array) != 0)
                        return -1;
                }
            }
        } else if (n == 2 && s.p != NULL) {    /* attributes */
            if (key_value(s, key, value, &array) != 0)
                return -1;
            if (strcmp(key, "threadlocal.schema_version") == 0) {
                snprintf(ctx->schema, sizeof(ctx->schema), "%s", value);
                ctx->n_schema_attrs++;
            }
            if (strcmp(key, "threadlocal.attribute_key_map") == 0) {
                ctx->n_key_map_attrs++;
                ctx->n_keys = 0;
                while (array.p != NULL && array.p < array.end) {
                    if (field(&array, &m, &r) != 0)
                        return -1;
                    struct pb none;
                    if (m == 1 && r.p != NULL && ctx->n_keys < MAX_KEYS &&
                        any_value(r, ctx->keys[ctx->n_keys], &none) == 0)
                        ctx->n_empty_keys += ctx->keys[ctx->n_keys++][0] == '\0';
                }
            }
        }
    }
    return 0;
}

/* ---- the update protocol: timestamp, payload, same timestamp ------------ */

int process_ctx_read(const struct target *t, struct process_ctx *ctx, char *why, size_t why_len)
{
    memset(ctx, 0, sizeof(*ctx));
    if (t->ctx_mapping == 0)
        return 0;
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        uint8_t header[HEADER_SIZE];
        uint32_t version, size;
        uint64_t before, after, payload;
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
        if (before == 0)
            continue; /* being updated */
        uint8_t *bytes = malloc(size ? size : 1);
        if (bytes == NULL)
            return -1;
        int ok = target_read(t, payload, bytes, size) == 0 &&
                 target_read(t, t->ctx_mapping + 16, &after, sizeof(after)) == 0 &&
                 after == before;
        if (ok) {
            memset(ctx, 0, sizeof(*ctx));
            ctx->header_read = 1;
            ctx->version = version;
            ctx->payload_size = size;
            ctx->published_at_ns = before;
            ok = decode(ctx, (struct pb){bytes, bytes + size}) == 0;
            free(bytes);
            if (!ok) {
                snprintf(why, why_len, "process context payload of process %d does not decode", (int)t->pid);
                return -1;
            }
            ctx->present = 1;
            return 0;
        }
        free(bytes);
    }
    snprintf(why, why_len, "process context of process %d kept changing while read", (int)t->pid);
    return -1;
}
