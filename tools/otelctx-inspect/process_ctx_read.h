/* SPDX-License-Identifier: Apache-2.0 */
/* The OTEP 4719 process context of another process: read and decoded. */
#ifndef OTELCTX_INSPECT_PROCESS_CTX_READ_H
#define OTELCTX_INSPECT_PROCESS_CTX_READ_H

#include <stddef.h>
#include <stdint.h>

#include "target.h"

enum { MAX_PAIRS = 64, MAX_KEYS = 256, MAX_TEXT = 256 };

struct pair {
    char key[MAX_TEXT], value[MAX_TEXT];
};

struct process_ctx {
    int present;                 /* an OTEL_CTX mapping with a valid header */
    int header_read;             /* the fields below the signature were read */
    uint32_t version, payload_size;
    uint64_t published_at_ns;
    size_t n_schema_attrs, n_key_map_attrs; /* occurrences: readers want one each */
    size_t n_empty_keys;         /* empty names in the key map */
    /* What the fixed sizes below did not keep (process_ctx_read warns). */
    size_t n_dropped_resource;   /* resource attributes after the first MAX_PAIRS */
    size_t n_dropped_keys;       /* key map names after the first MAX_KEYS */
    size_t n_cut_texts;          /* strings cut at MAX_TEXT - 1 bytes or at a NUL */
    struct pair resource[MAX_PAIRS];
    size_t n_resource;
    char schema[MAX_TEXT];       /* threadlocal.schema_version */
    char keys[MAX_KEYS][MAX_TEXT]; /* threadlocal.attribute_key_map */
    size_t n_keys;
};

/* 0 (ctx->present says whether one is published) or -1 with why; a
 * warning (diag) when the context holds more than struct process_ctx keeps. */
int process_ctx_read(const struct target *t, struct process_ctx *ctx, char *why, size_t why_len);

/*
 * Decodes a ProcessContext payload into the resource, schema and key map
 * fields of ctx, which start zeroed. Any bytes: one pass per nesting level
 * (at most five), no allocation. 0, or -1 when the bytes are not protobuf.
 */
int process_ctx_decode(struct process_ctx *ctx, const uint8_t *bytes, size_t size);

#endif
