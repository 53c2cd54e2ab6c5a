/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one door to the TLS slot. Only shim/tls_slot.c touches thread-local
 * storage; everything in src/ goes through otelctx_tls_slot(), so the TLS
 * access model is decided in one translation unit (TLSDESC) and the rest of
 * the library compiles without any TLS flag.
 */
#ifndef OTELCTX_SHIM_TLS_SLOT_H
#define OTELCTX_SHIM_TLS_SLOT_H

#include "otelctx.h"

/* Address of the calling thread's otel_thread_ctx_v1. */
__attribute__((visibility("hidden")))
otelctx_record **otelctx_tls_slot(void);

#endif
