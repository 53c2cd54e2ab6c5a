/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OTELCTX_PROTOBUF_H
#define OTELCTX_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

#include "otelctx.h"

/* threadlocal.schema_version: every reader found accepts only this string. */
#define OTELCTX_SCHEMA_VERSION "tlsdesc_v1_dev"

/*
 * Encodes the OTEP 4719 payload, ProcessContext { resource = 1 (Resource:
 * string attributes); attributes = 2: threadlocal.schema_version (string),
 * threadlocal.attribute_key_map (array of strings, index order) }.
 * With out == NULL only counts. Returns the number of bytes.
 */
size_t otelctx__encode_process_ctx(uint8_t *out,
                                   const otelctx_kv *resource, size_t n_resource,
                                   const char *const *keys, size_t n_keys);

#endif
