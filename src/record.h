/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OTELCTX_RECORD_H
#define OTELCTX_RECORD_H

#include "otelctx.h"

/*
 * otelctx_record_set() for callers inside the library: a hidden symbol, so
 * otelctx_update() reaches it with a direct call (or inlines it under LTO)
 * instead of going through the PLT to the interposable export.
 */
int otelctx__record_set(otelctx_record *record,
                        const uint8_t trace_id[16], const uint8_t span_id[8],
                        uint8_t trace_flags,
                        const otelctx_attr *attrs, size_t n_attrs);

#endif
