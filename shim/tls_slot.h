/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one door to thread-local storage. Only shim/tls_slot.c touches TLS;
 * everything in src/ goes through the functions below, so the TLS access
 * model is decided in one translation unit (TLSDESC) and the rest of the
 * library compiles without any TLS flag.
 */
#ifndef OTELCTX_SHIM_TLS_SLOT_H
#define OTELCTX_SHIM_TLS_SLOT_H

#include "otelctx.h"

/*
 * This copy's TLS block: the slot, then the writer guard byte (1 while the
 * thread is inside a writer of this copy). The exported symbol
 * otel_thread_ctx_v1 covers the first 8 bytes only.
 */
struct otelctx_tls_block {
    otelctx_record *slot;
    unsigned char writing;
};

/* Address of the calling thread's otel_thread_ctx_v1, as the dynamic linker
 * bound it: this copy's slot, or the slot of an object that interposes it. */
__attribute__((visibility("hidden")))
otelctx_record **otelctx_tls_slot(void);

/* The calling thread's writer guard byte of this copy. Never inlined: it
 * reaches this copy's own block, not the bound slot, and staying a function
 * of its own lets the ELF gate tell the two apart in an executable, where
 * every TLS access is relaxed to a thread-pointer offset. */
__attribute__((visibility("hidden"), noinline))
unsigned char *otelctx_tls_writing(void);

/* 1 once the shim has seen that otel_thread_ctx_v1 is bound to this copy's
 * own block, so that the guard byte sits right after the bound slot. */
__attribute__((visibility("hidden")))
extern unsigned char otelctx__slot_is_own;

/* Written once by the shim's constructor, read with a plain compare. */
static inline int otelctx_tls_slot_is_own(void)
{
    return otelctx__slot_is_own;
}

/* The guard byte right after slot, for a writer that checked
 * otelctx_tls_slot_is_own(): no second TLS access. */
static inline unsigned char *otelctx_tls_writing_after(otelctx_record **slot)
{
    return &((struct otelctx_tls_block *)(void *)slot)->writing;
}

#endif
