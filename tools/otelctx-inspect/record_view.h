/* SPDX-License-Identifier: Apache-2.0 */
/* A thread record as readers parse it: shared by the printers and --strict. */
#ifndef OTELCTX_INSPECT_RECORD_VIEW_H
#define OTELCTX_INSPECT_RECORD_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "otelctx.h"

/* The bytes of attrs_data the entries may use: attrs_data_size, but never
 * more than the 612 bytes a record has (a target may declare up to 65 535;
 * --strict's record-size names that). */
size_t record_attrs_size(const otelctx_record *r);

/* The entry at *pos, if it fits in record_attrs_size() (readers stop at the
 * first one that does not); advances *pos past it. */
int record_next_entry(const otelctx_record *r, size_t *pos, uint8_t *key,
                      const uint8_t **value, uint8_t *len);

/* Length of the well-formed UTF-8 sequence at s (at most n bytes; no
 * overlong form, surrogate or code point above U+10FFFF), or 0. */
size_t utf8_sequence(const uint8_t *s, size_t n);

#endif
