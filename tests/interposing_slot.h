/* SPDX-License-Identifier: Apache-2.0 */
/* The slot tests/interposing_slot.c defines, and the canary after it. */
#ifndef OTELCTX_TESTS_INTERPOSING_SLOT_H
#define OTELCTX_TESTS_INTERPOSING_SLOT_H

#include "otelctx.h"

extern _Thread_local struct {
    otelctx_record *slot;
    unsigned char canary[8];
} otel_thread_ctx_v1;

#endif
