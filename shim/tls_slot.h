/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one door to thread-local storage. Only shim/ touches TLS; everything
 * in src/ goes through the functions below, so the TLS access model is
 * decided in shim/ (TLSDESC) and the rest of the library compiles without
 * any TLS flag.
 */
#ifndef OTELCTX_SHIM_TLS_SLOT_H
#define OTELCTX_SHIM_TLS_SLOT_H

#include <stdint.h>

#include "otelctx.h"

/*
 * This copy's TLS block: the slot, then the writer guard byte (1 while the
 * thread is inside a writer), then what tells other copies of otelctx in the
 * process that this is one (src/copies.h). The exported symbol
 * otel_thread_ctx_v1 covers the first 8 bytes only.
 */
struct otelctx_tls_block {
    otelctx_record *slot;
    unsigned char writing;
    unsigned char unused[7];
    char magic[8];
    const void *copy;
};

/* Address of the calling thread's otel_thread_ctx_v1, as this copy's code
 * reaches it: its own slot, the slot of an object that interposes it, or
 * the slot of the copy it joined. */
__attribute__((visibility("hidden")))
otelctx_record **otelctx_tls_slot(void);

#if OTELCTX_TLS_SLOT_KEEPS_REGISTERS
/*
 * The default build on x86-64: the accessor (in assembly, tls_slot.c)
 * changes only %rax and the flags, and the call says so, so that the
 * caller keeps its arguments in their registers across it instead of
 * saving them (a C call would clobber every caller-saved register; gcc
 * honours no_caller_saved_registers only in the callee). The call writes
 * below the stack pointer: the library is compiled with -mno-red-zone.
 */
static inline __attribute__((always_inline)) otelctx_record **otelctx_tls_slot_keeping(void)
{
    otelctx_record **slot;

    __asm__("call otelctx_tls_slot" : "=a"(slot) : : "cc");
    return slot;
}
#define otelctx_tls_slot() otelctx_tls_slot_keeping()
#endif

/* The calling thread's writer guard byte: the one after the slot when the
 * slot is an otelctx block (this copy's or the owner's), else this copy's.
 * Never inlined: staying a function of its own lets the ELF gate tell its
 * TLS accesses from the entry points', in an executable where every TLS
 * access is relaxed to a thread-pointer offset. */
__attribute__((visibility("hidden"), noinline))
unsigned char *otelctx_tls_writing(void);

/* otelctx_tls_slot() as a function of its own, for struct otelctx_copy_ops
 * (src/copies.h): other copies and otelctx_self_check() call it through
 * the table, off every hot path; the accessor itself stays inlined. */
__attribute__((visibility("hidden")))
otelctx_record **otelctx_tls_slot_of_copy(void);

/* The calling thread's block of this copy (for copies that join it). */
__attribute__((visibility("hidden")))
otelctx_record **otelctx_tls_own_block(void);

/* 1 once the shim has seen that otel_thread_ctx_v1 is bound to the start of
 * an otelctx block (this copy's own, or the owner's it joined), so that the
 * guard byte sits right after the bound slot. */
__attribute__((visibility("hidden")))
extern unsigned char otelctx__slot_guarded;

/* Written once by the election at start-up, read with a plain compare. */
static inline int otelctx_tls_slot_guarded(void)
{
    return otelctx__slot_guarded;
}

/* The guard byte right after slot, for a writer that checked
 * otelctx_tls_slot_guarded(): no second TLS access. */
static inline unsigned char *otelctx_tls_writing_after(otelctx_record **slot)
{
    return &((struct otelctx_tls_block *)(void *)slot)->writing;
}

/* After the election: whether the bound slot is this copy's block or
 * owner_block (the owner's, for the calling thread); sets the flag above. */
__attribute__((visibility("hidden")))
void otelctx_tls_settle(otelctx_record **owner_block);

/* Where a resolved TLSDESC descriptor (another object's) reaches for the
 * calling thread: its resolver called as that object's code calls it. */
__attribute__((visibility("hidden")))
void *otelctx_tls_descriptor_target(const void *descriptor);

/*
 * Makes this copy's code reach the slot through the owner's TLS descriptor:
 * copies its two words (resolver, argument) over each of this copy's n
 * descriptors for otel_thread_ctx_v1, what the dynamic linker writes itself
 * when the owner's definition interposes this copy's. Pages in
 * [relro_start, relro_end) are made writable for the copy and read-only
 * again. Only before this copy's code can run in another thread (its
 * constructor): a thread could otherwise call through a half-written
 * descriptor. 0, or negative errno from mprotect.
 */
__attribute__((visibility("hidden")))
int otelctx_tls_redirect(void *const *descriptors, size_t n, const void *owner_descriptor,
                         uintptr_t relro_start, uintptr_t relro_end);

#endif
