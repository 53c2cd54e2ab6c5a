/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OTELCTX_INSPECT_OUTPUT_H
#define OTELCTX_INSPECT_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

/* Bytes as lowercase hex digits, two a byte. */
void print_hex(FILE *out, const uint8_t *bytes, size_t n);

/* A string of the target as a JSON string, quotes included. */
void print_json_string(FILE *out, const char *text);

/* A record's attributes as the JSON array a reading writes: each entry's
 * index, its key named from ctx's key map (null when the map lacks it), its
 * value as a JSON string and its exact bytes in hex. */
void print_json_attributes(FILE *out, const struct process_ctx *ctx, const otelctx_record *r);

/* A snapshot for people. */
void print_text(FILE *out, const struct target *t, const struct snapshot *s);

/* A snapshot as one line of JSON (so --watch writes JSON Lines). */
void print_json(FILE *out, const struct target *t, const struct snapshot *s);

#endif
