/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The slow finish of a whole-record write (record_finish.c): what the fast
 * path (record_write.h) hands over when a value is longer than 16 bytes, is
 * not plain ASCII, or does not fit. It depends on nothing of the fast path.
 */
#ifndef OTELCTX_RECORD_FINISH_H
#define OTELCTX_RECORD_FINISH_H

#include <stddef.h>
#include <stdint.h>

#include "otelctx.h"

/* Any length up to 255: copies the value when it is valid UTF-8 and
 * returns 0; returns 1 and stores nothing when it is not. */
int otelctx__copy_utf8(uint8_t *dst, const char *src, size_t len);

/*
 * The slow finish of a record from attribute a (up to last) on, at
 * attrs_data + used:
 * values longer than 16 bytes, and values that are not plain ASCII (checked
 * as UTF-8, left out otherwise). Stores the size, then valid = 1, then
 * leaves the writer guard. Returns the attributes left out, left_out
 * included. Never inlined (ThinLTO would): its registers would be saved on
 * every write.
 */
__attribute__((noinline, cold))
int otelctx__finish_record(otelctx_record *record, const otelctx_attr *a,
                           const otelctx_attr *last, size_t used, int left_out,
                           unsigned char *writing);

#endif
