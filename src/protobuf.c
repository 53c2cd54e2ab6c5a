/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Just enough protobuf to write the process context payload: varints and
 * length-delimited fields. A message is encoded twice, first only counting,
 * so its length prefix is known without temporary buffers.
 */
#include <string.h>

#include "protobuf.h"

enum {
    PROCESS_CONTEXT_RESOURCE = 1,
    PROCESS_CONTEXT_ATTRIBUTES = 2,
    RESOURCE_ATTRIBUTES = 1,
    KEY_VALUE_KEY = 1,
    KEY_VALUE_VALUE = 2,
    ANY_VALUE_STRING = 1,
    ANY_VALUE_ARRAY = 5,
    ARRAY_VALUE_VALUES = 1,
    WIRE_LEN = 2,
};

struct pb {
    uint8_t *data; /* NULL: count only */
    size_t len;
};

typedef void pb_body(struct pb *pb, const void *arg);

struct strings {
    const char *const *items;
    size_t n;
};

struct resource {
    const otelctx_kv *items;
    size_t n;
};

struct payload {
    struct resource resource;
    struct strings keys;
};

static void pb_raw(struct pb *pb, const void *bytes, size_t n)
{
    if (pb->data != NULL && n > 0)
        memcpy(pb->data + pb->len, bytes, n);
    pb->len += n;
}

static void pb_varint(struct pb *pb, uint64_t value)
{
    do {
        uint8_t byte = value & 0x7f;
        value >>= 7;
        if (value != 0)
            byte |= 0x80;
        pb_raw(pb, &byte, 1);
    } while (value != 0);
}

static void pb_len_prefix(struct pb *pb, unsigned field, size_t len)
{
    pb_varint(pb, (uint64_t)field << 3 | WIRE_LEN);
    pb_varint(pb, len);
}

static void pb_string(struct pb *pb, unsigned field, const char *s)
{
    size_t len = strlen(s);
    pb_len_prefix(pb, field, len);
    pb_raw(pb, s, len);
}

static void pb_message(struct pb *pb, unsigned field, pb_body *body, const void *arg)
{
    struct pb counter = {0};
    body(&counter, arg);
    pb_len_prefix(pb, field, counter.len);
    body(pb, arg);
}

static void any_value_string(struct pb *pb, const void *s)
{
    pb_string(pb, ANY_VALUE_STRING, s);
}

static void array_value_strings(struct pb *pb, const void *arg)
{
    const struct strings *strings = arg;
    for (size_t i = 0; i < strings->n; i++)
        pb_message(pb, ARRAY_VALUE_VALUES, any_value_string, strings->items[i]);
}

static void any_value_array(struct pb *pb, const void *strings)
{
    pb_message(pb, ANY_VALUE_ARRAY, array_value_strings, strings);
}

static void key_value_string(struct pb *pb, const void *arg)
{
    const otelctx_kv *kv = arg;
    pb_string(pb, KEY_VALUE_KEY, kv->key);
    pb_message(pb, KEY_VALUE_VALUE, any_value_string, kv->value);
}

static void key_value_key_map(struct pb *pb, const void *keys)
{
    pb_string(pb, KEY_VALUE_KEY, "threadlocal.attribute_key_map");
    pb_message(pb, KEY_VALUE_VALUE, any_value_array, keys);
}

static void resource_body(struct pb *pb, const void *arg)
{
    const struct resource *resource = arg;
    for (size_t i = 0; i < resource->n; i++)
        pb_message(pb, RESOURCE_ATTRIBUTES, key_value_string, &resource->items[i]);
}

static void process_context_body(struct pb *pb, const void *arg)
{
    const struct payload *payload = arg;
    static const otelctx_kv schema = {"threadlocal.schema_version", OTELCTX_SCHEMA_VERSION};

    pb_message(pb, PROCESS_CONTEXT_RESOURCE, resource_body, &payload->resource);
    pb_message(pb, PROCESS_CONTEXT_ATTRIBUTES, key_value_string, &schema);
    pb_message(pb, PROCESS_CONTEXT_ATTRIBUTES, key_value_key_map, &payload->keys);
}

size_t otelctx__encode_process_ctx(uint8_t *out,
                                   const otelctx_kv *resource, size_t n_resource,
                                   const char *const *keys, size_t n_keys)
{
    const struct payload payload = {{resource, n_resource}, {keys, n_keys}};
    struct pb pb = {out, 0};
    process_context_body(&pb, &payload);
    return pb.len;
}
