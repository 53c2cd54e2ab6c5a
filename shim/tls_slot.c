/* SPDX-License-Identifier: Apache-2.0 */
#include "tls_slot.h"

/*
 * The block is defined in assembly because C cannot say what readers need:
 * an exported symbol otel_thread_ctx_v1 of exactly 8 bytes (OTEP 4947; the
 * ELF gate and otelctx_self_check check the size) at the start of a 16-byte
 * block whose byte 8 is the writer guard. A writer then reaches both with
 * the one TLSDESC access it makes for the slot. otelctx__tls_own names the
 * same block with hidden visibility: the dynamic linker cannot bind it to
 * another object, so comparing the two addresses tells whether the slot is
 * this copy's own. The generic ELF directives (% prefixes) assemble on
 * x86-64 and aarch64 alike.
 */
__asm__("\t.section .tbss,\"awT\",%nobits\n"
        "\t.p2align 3\n"
        "\t.globl otel_thread_ctx_v1\n"
        "\t.type otel_thread_ctx_v1, %tls_object\n"
        "\t.size otel_thread_ctx_v1, 8\n"
        "\t.globl otelctx__tls_own\n"
        "\t.hidden otelctx__tls_own\n"
        "\t.type otelctx__tls_own, %tls_object\n"
        "\t.size otelctx__tls_own, 16\n"
        "otel_thread_ctx_v1:\n"
        "otelctx__tls_own:\n"
        "\t.zero 16\n"
        "\t.previous\n");

/*
 * Default visibility puts the slot in .dynsym; the global-dynamic model plus
 * -mtls-dialect=gnu2 makes the compiler emit a TLSDESC access, which works
 * whether the library is loaded at start-up or by dlopen (initial-exec would
 * not on musl, and eats glibc's static TLS). Declared as the whole block:
 * the guard byte is only touched when the bound slot is this copy's own.
 */
extern __attribute__((visibility("default"), tls_model("global-dynamic")))
_Thread_local struct otelctx_tls_block otel_thread_ctx_v1;

extern __attribute__((visibility("hidden"), tls_model("global-dynamic")))
_Thread_local struct otelctx_tls_block otelctx__tls_own;

unsigned char otelctx__slot_is_own;

otelctx_record **otelctx_tls_slot(void)
{
    return &otel_thread_ctx_v1.slot;
}

unsigned char *otelctx_tls_writing(void)
{
    return &otelctx__tls_own.writing;
}

/*
 * Symbol binding is per process and fixed once this object is relocated, so
 * one comparison on any thread holds for all threads. Until it has run (a
 * writer called from an earlier constructor), writers take the guard byte
 * through otelctx_tls_writing(): the same byte when the slot is ours.
 */
__attribute__((constructor))
static void slot_owner_check(void)
{
    otelctx_record **bound = &otel_thread_ctx_v1.slot, **own = &otelctx__tls_own.slot;

    /* The compiler sees two distinct objects and could fold the comparison
     * to false; the empty asm makes both addresses opaque. */
    __asm__("" : "+r"(bound), "+r"(own));
    __atomic_store_n(&otelctx__slot_is_own, bound == own, __ATOMIC_RELAXED);
}
