/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A process that breaks one rule of the real readers, for
 * tests/inspect/strict.py: otelctx-inspect --strict must name that rule.
 * otelctx is put in external mode and the process context is written here
 * by hand (header and protobuf), so any of its fields can be wrong; records
 * are written raw and attached. Mode "clean" breaks nothing. Mode "escape"
 * names its thread, mapping, schema, resource, keys and values with
 * terminal escapes, C1 controls and bytes that are not UTF-8 (HOSTILE
 * below), for tests/inspect/escape.py; "payload-unreadable" points the
 * header at a page that cannot be read; "over-limits" publishes more than
 * the inspector keeps.
 *
 * Usage: strict_violator MODE [BAD_SLOT_LIBRARY]. Prints "ready", then waits
 * for stdin to close; SIGUSR1 lowers the published timestamp.
 */
#include <dlfcn.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "otelctx.h"
#include "process_ctx_util.h"

struct buffer {
    uint8_t bytes[8192];
    size_t len;
};

static void put(struct buffer *b, const void *data, size_t len)
{
    CHECK(b->len + len <= sizeof(b->bytes));
    memcpy(b->bytes + b->len, data, len);
    b->len += len;
}

/* A length-delimited field (a field number below 16: a one-byte tag). */
static void field(struct buffer *b, uint8_t number, const void *data, size_t len)
{
    uint8_t head[11] = {(uint8_t)(number << 3 | 2)};
    size_t n = 1;
    CHECK(number < 16);
    for (size_t rest = len;; rest >>= 7) { /* the length as a varint */
        head[n++] = (uint8_t)((rest & 0x7f) | (rest >= 0x80 ? 0x80 : 0));
        if (rest < 0x80)
            break;
    }
    put(b, head, n);
    put(b, data, len);
}

static void any_string(struct buffer *b, const char *value)
{
    field(b, 1, value, strlen(value)); /* AnyValue.string_value */
}

/* KeyValue { key = 1; value = 2 (AnyValue) }, the value already encoded. */
static void key_value(struct buffer *out, const char *key, const struct buffer *any)
{
    struct buffer kv = {0};
    field(&kv, 1, key, strlen(key));
    field(&kv, 2, any->bytes, any->len);
    field(out, 2, kv.bytes, kv.len); /* ProcessContext.attributes = 2 */
}

/* Resource { attributes = 1 (KeyValue) }: one string attribute. */
static void resource(struct buffer *out, const char *key, const char *value)
{
    struct buffer any = {0}, kv = {0}, attributes = {0};
    any_string(&any, value);
    field(&kv, 1, key, strlen(key));
    field(&kv, 2, any.bytes, any.len);
    field(&attributes, 1, kv.bytes, kv.len);
    field(out, 1, attributes.bytes, attributes.len); /* ProcessContext.resource = 1 */
}

static void schema(struct buffer *out, const char *version)
{
    struct buffer any = {0};
    any_string(&any, version);
    key_value(out, "threadlocal.schema_version", &any);
}

static void key_map(struct buffer *out, const char *const *names, size_t n)
{
    struct buffer array = {0}, any = {0};
    for (size_t i = 0; i < n; i++) {
        struct buffer item = {0};
        any_string(&item, names[i]);
        field(&array, 1, item.bytes, item.len); /* ArrayValue.values */
    }
    field(&any, 5, array.bytes, array.len);     /* AnyValue.array_value */
    key_value(out, "threadlocal.attribute_key_map", &any);
}

/* More than otelctx-inspect keeps (64 resource attributes, 256 key names,
 * 255 bytes of a string): OVER_RESOURCE, OVER_KEYS and one long value. */
enum { OVER_RESOURCE = 70, OVER_KEYS = 300 };

static void over_limits(struct buffer *out)
{
    static char names[OVER_KEYS][8];
    const char *list[OVER_KEYS];
    char long_value[301];
    memset(long_value, 'v', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    for (int i = 0; i < OVER_RESOURCE; i++) {
        char key[16];
        snprintf(key, sizeof(key), "res.%d", i);
        resource(out, key, i == 0 ? long_value : "v");
    }
    for (int i = 0; i < OVER_KEYS; i++) {
        snprintf(names[i], sizeof(names[i]), "k%d", i);
        list[i] = names[i];
    }
    key_map(out, list, OVER_KEYS);
}

static struct header *header;
static struct buffer payload;

static void lower_timestamp(int sig)
{
    (void)sig;
    header->published_at_ns = 1;
}

/* The process context, mapped the way OTEP 4719 says, but with our bytes. */
static void publish(const char *name, int prot, uint32_t version)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);
    header = mmap(NULL, 4096, PROT_READ | PROT_WRITE | prot, MAP_PRIVATE, fd, 0);
    CHECK(header != MAP_FAILED);
    close(fd);
    memcpy(header->signature, "OTEL_CTX", 8);
    header->version = version;
    header->payload_size = (uint32_t)payload.len;
    header->payload = (uint64_t)(uintptr_t)payload.bytes;
    header->published_at_ns = 1000;
}

static otelctx_record record;

static void attach_raw(uint8_t trace0, uint8_t span0, uint8_t flags, const uint8_t *attrs,
                       uint16_t size)
{
    memset(&record, 0, sizeof(record));
    record.trace_id[0] = trace0;
    record.span_id[0] = span0;
    record.trace_flags = flags;
    memcpy(record.attrs_data, attrs, size);
    record.attrs_data_size = size;
    record.valid = 1;
    otelctx_attach(&record);
}

/* Entries of UTF-8 text filling all 612 bytes, under an attrs_data_size
 * of 65 535: only record-size is broken. */
static void attach_oversized(void)
{
    static const uint16_t lengths[] = {255, 255, OTELCTX_ATTRS_CAPACITY - 2 * 257 - 2};
    uint8_t attrs[OTELCTX_ATTRS_CAPACITY];
    size_t at = 0;
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        attrs[at++] = (uint8_t)(i % 2); /* keys of the key map's two */
        attrs[at++] = (uint8_t)lengths[i];
        memset(attrs + at, 'a' + (int)i, lengths[i]);
        at += lengths[i];
    }
    CHECK(at == sizeof(attrs));
    attach_raw(7, 7, 1, attrs, sizeof(attrs));
    record.attrs_data_size = UINT16_MAX;
}

/* What a terminal would act on (ESC sequences, BEL, DEL, C1 CSI as UTF-8
 * and as a raw byte, CR, newline), bytes that are not UTF-8, quote and
 * backslash, and printable UTF-8 ("é") that must stay as it is. */
#define HOSTILE "\x1b[31m\x07\x7f\xc2\x9b\x9b\xff\r\n\"\\\xc3\xa9"

/* One attribute, key 0, whose value is HOSTILE. */
static void attach_hostile(void)
{
    uint8_t attrs[2 + sizeof(HOSTILE) - 1] = {0, sizeof(HOSTILE) - 1};
    memcpy(attrs + 2, HOSTILE, sizeof(HOSTILE) - 1);
    attach_raw(7, 7, 1, attrs, sizeof(attrs));
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"http.method", "http.route"};
    static const char *const empty_name[] = {"http.method", ""};
    static const char *const hostile_names[] = {"key" HOSTILE, "http.route"};
    static const uint8_t get[] = {0, 3, 'G', 'E', 'T'};
    static const uint8_t not_utf8[] = {0, 2, 0xc3, 0x28};
    static const uint8_t unknown_key[] = {7, 3, 'G', 'E', 'T'}; /* the key map has 2 */
    const char *mode = argc > 1 ? argv[1] : "";
    const char *mapping = "OTEL_CTX";
    int prot = 0;
    uint32_t version = 2;
    char line[16];

    CHECK(argc >= 2);
    CHECK_EQ(otelctx_process_external(), 0);
    if (strcmp(mode, "escape") == 0) {
        /* A thread name has 15 bytes: the escape, C1 both ways, not UTF-8. */
        CHECK(prctl(PR_SET_NAME, "\x1b]0;\x07\xc2\x9b\x9b\xff" "comm") == 0);
        resource(&payload, "res" HOSTILE, "value" HOSTILE);
        schema(&payload, "schema" HOSTILE);
        mapping = "OTEL_CTX\x1b[31m\xc2\x9b\x9b\xff";
    } else if (strcmp(mode, "schema-version") == 0)
        schema(&payload, "tls_v1");
    else if (strcmp(mode, "schema-present") != 0)
        schema(&payload, "tlsdesc_v1_dev");
    if (strcmp(mode, "threadlocal-once") == 0)
        schema(&payload, "tlsdesc_v1_dev");
    if (strcmp(mode, "over-limits") == 0)
        over_limits(&payload);
    else
        key_map(&payload, strcmp(mode, "key-names") == 0 ? empty_name
                          : strcmp(mode, "escape") == 0  ? hostile_names : names, 2);
    if (strcmp(mode, "payload-size") == 0)
        payload.len = 0;
    if (strcmp(mode, "mapping-name") == 0)
        mapping = "OTEL_CTX_OLD";
    if (strcmp(mode, "mapping-not-executable") == 0)
        prot = PROT_EXEC;
    if (strcmp(mode, "header-version") == 0)
        version = 3;
    if (strcmp(mode, "schema-published") != 0)
        publish(mapping, prot, version);
    if (strcmp(mode, "payload-unreadable") == 0) {
        void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(none != MAP_FAILED);
        header->payload = (uint64_t)(uintptr_t)none;
    }
    if (strcmp(mode, "one-process-context") == 0)
        publish("OTEL_CTX", 0, 2);
    if (strcmp(mode, "slot-size") == 0)
        CHECK(argc > 2 && dlopen(argv[2], RTLD_NOW | RTLD_LOCAL) != NULL);

    if (strcmp(mode, "record-ids") == 0)
        attach_raw(0, 7, 0, get, sizeof(get));
    else if (strcmp(mode, "record-flags") == 0)
        attach_raw(0, 0, 1, get, sizeof(get));
    else if (strcmp(mode, "record-entries") == 0)
        attach_raw(7, 7, 1, get, sizeof(get) - 1);
    else if (strcmp(mode, "record-utf8") == 0)
        attach_raw(7, 7, 1, not_utf8, sizeof(not_utf8));
    else if (strcmp(mode, "record-keys") == 0)
        attach_raw(7, 7, 1, unknown_key, sizeof(unknown_key));
    else if (strcmp(mode, "record-size") == 0)
        attach_oversized();
    else if (strcmp(mode, "escape") == 0)
        attach_hostile();
    else
        attach_raw(7, 7, 1, get, sizeof(get));

    CHECK(signal(SIGUSR1, lower_timestamp) != SIG_ERR);
    printf("ready\n");
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL)
        ;
    otelctx_detach();
    return 0;
}
