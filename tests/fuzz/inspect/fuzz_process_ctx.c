/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: otelctx-inspect's ProcessContext decoder on any bytes,
 * as a hostile process can publish them. Invariants: no crash or
 * sanitizer report; every count within its array; every string
 * NUL-terminated inside its buffer; a count of dropped entries only once
 * the array is full; and what was decoded, printed as text and as JSON,
 * is printable (output_checks.h) and the JSON holds together.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "output_checks.h"
#include "process_ctx_read.h"

JUDGE void check_string(const char s[MAX_TEXT])
{
    REQUIRE(memchr(s, '\0', MAX_TEXT) != NULL);
}

JUDGE void check_counts(const struct process_ctx *c)
{
    REQUIRE(c->n_resource <= MAX_PAIRS && c->n_keys <= MAX_KEYS);
    REQUIRE(c->n_dropped_resource == 0 || c->n_resource == MAX_PAIRS);
    REQUIRE(c->n_dropped_keys == 0 || c->n_keys == MAX_KEYS);
    REQUIRE(c->n_empty_keys <= c->n_keys);
    REQUIRE(c->n_keys == 0 || c->n_key_map_attrs > 0);
    check_string(c->schema);
    REQUIRE(c->n_schema_attrs > 0 || c->schema[0] == '\0');
    for (size_t i = 0; i < c->n_resource; i++) {
        check_string(c->resource[i].key);
        check_string(c->resource[i].value);
    }
    for (size_t i = 0; i < c->n_keys; i++)
        check_string(c->keys[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* ~80 KB: static, cleared each run. */
    static struct target t;
    static struct snapshot s;

    memset(&t, 0, sizeof(t));
    memset(&s, 0, sizeof(s));
    process_ctx_decode(&s.ctx, data, size);
    check_counts(&s.ctx);

    /* Printed whether or not the payload decoded to the end: the strings
     * are the target's either way. The comm is the input's first bytes. */
    s.ctx.present = 1;
    t.pid = 1;
    memcpy(t.comm, data, size < sizeof(t.comm) - 1 ? size : sizeof(t.comm) - 1);
    check_printers(&t, &s);
    return 0;
}
