/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tls_slot.h"

/*
 * The block is defined in assembly because C cannot say what readers need:
 * an exported symbol otel_thread_ctx_v1 of exactly 8 bytes (OTEP 4947; the
 * ELF gate and otelctx_self_check check the size) at the start of a 32-byte
 * block whose byte 8 is the writer guard. A writer then reaches both with
 * the one TLSDESC access it makes for the slot. Bytes 16 to 31 of the
 * initialisation image are the magic and this copy's struct otelctx_copy,
 * for other copies to find (src/copies.h); threads carry a copy of them,
 * unused. otelctx__tls_own names the same block with hidden visibility: the
 * dynamic linker cannot bind it to another object, so comparing the two
 * addresses tells whether the slot is this copy's own. The generic ELF
 * directives (% prefixes) assemble on x86-64 and aarch64 alike.
 */
#if defined(__x86_64__)
#define POINTER_DIRECTIVE ".quad"
#else
#define POINTER_DIRECTIVE ".xword"
#endif
__asm__("\t.section .tdata,\"awT\",%progbits\n"
        "\t.p2align 3\n"
        "\t.globl otel_thread_ctx_v1\n"
        "\t.type otel_thread_ctx_v1, %tls_object\n"
        "\t.size otel_thread_ctx_v1, 8\n"
        "\t.globl otelctx__tls_own\n"
        "\t.hidden otelctx__tls_own\n"
        "\t.type otelctx__tls_own, %tls_object\n"
        "\t.size otelctx__tls_own, 32\n"
        "otel_thread_ctx_v1:\n"
        "otelctx__tls_own:\n"
        "\t.zero 16\n"
        "\t.ascii \"otelctx\\001\"\n" /* OTELCTX_COPY_MAGIC */
        "\t" POINTER_DIRECTIVE " otelctx__copy\n"
        "\t.previous\n");

/*
 * Default visibility puts the slot in .dynsym; the global-dynamic model plus
 * -mtls-dialect=gnu2 makes the compiler emit a TLSDESC access, which works
 * whether the library is loaded at start-up or by dlopen (initial-exec would
 * not on musl, and eats glibc's static TLS). Declared as the whole block:
 * the guard byte is only touched when the bound slot is an otelctx block.
 */
extern __attribute__((visibility("default"), tls_model("global-dynamic")))
_Thread_local struct otelctx_tls_block otel_thread_ctx_v1;

extern __attribute__((visibility("hidden"), tls_model("global-dynamic")))
_Thread_local struct otelctx_tls_block otelctx__tls_own;

unsigned char otelctx__slot_guarded;

#if OTELCTX_TLS_SLOT_KEEPS_REGISTERS
/*
 * The accessor in assembly, for the call in tls_slot.h that tells the
 * compiler only %rax changes. The TLSDESC call keeps every register but
 * %rax and the flags; its resolver for a dlopen()ed object calls C code
 * on a first access, so the stack is aligned for it as for a call (the
 * caller's alignment is unknown at an asm statement). The CFI lets
 * unwinders (the eBPF profiler's among them) walk out of a sample taken
 * here.
 */
__asm__("\t.text\n"
        "\t.p2align 4\n"
        "\t.globl otelctx_tls_slot\n"
        "\t.hidden otelctx_tls_slot\n"
        "\t.type otelctx_tls_slot, @function\n"
        "otelctx_tls_slot:\n"
        "\t.cfi_startproc\n"
        "\tpush %rbp\n"
        "\t.cfi_def_cfa_offset 16\n"
        "\t.cfi_offset %rbp, -16\n"
        "\tmov %rsp, %rbp\n"
        "\t.cfi_def_cfa_register %rbp\n"
        "\tand $-16, %rsp\n"
        "\tlea otel_thread_ctx_v1@TLSDESC(%rip), %rax\n"
        "\tcall *otel_thread_ctx_v1@TLSCALL(%rax)\n"
        "\tadd %fs:0, %rax\n"
        "\tleave\n"
        "\t.cfi_def_cfa %rsp, 8\n"
        "\tret\n"
        "\t.cfi_endproc\n"
        "\t.size otelctx_tls_slot, .-otelctx_tls_slot\n"
        "\t.previous\n");
#else
otelctx_record **otelctx_tls_slot(void)
{
    return &otel_thread_ctx_v1.slot;
}
#endif

/* A function of its own: clang would otherwise make both TLS accesses and
 * pick one (cmov), one TLSDESC call more on every guarded write. */
__attribute__((noinline, cold))
static unsigned char *own_writing(void)
{
    return &otelctx__tls_own.writing;
}

unsigned char *otelctx_tls_writing(void)
{
    if (__builtin_expect(otelctx__slot_guarded, 1))
        return &otel_thread_ctx_v1.writing;
    return own_writing();
}

otelctx_record **otelctx_tls_slot_of_copy(void)
{
    return &otel_thread_ctx_v1.slot;
}

otelctx_record **otelctx_tls_own_block(void)
{
    return &otelctx__tls_own.slot;
}

/*
 * Symbol binding is per process and fixed once this object is relocated,
 * and the election settles before this copy's code runs in other threads,
 * so one comparison on any thread holds for all threads. Until it has run
 * (a writer called from an earlier constructor), writers take the guard
 * byte through otelctx_tls_writing(): this copy's own.
 */
void otelctx_tls_settle(otelctx_record **owner_block)
{
    otelctx_record **bound = &otel_thread_ctx_v1.slot, **own = &otelctx__tls_own.slot;

    /* The compiler sees two distinct objects and could fold the comparison
     * to false; the empty asm makes both addresses opaque. */
    __asm__("" : "+r"(bound), "+r"(own));
    __atomic_store_n(&otelctx__slot_guarded, bound == own || bound == owner_block,
                     __ATOMIC_RELAXED);
}

/* The TLSDESC calling convention: the descriptor's address in x86-64 %rax
 * (aarch64 x0), its resolver called through its first word, the offset
 * from the thread pointer returned there; every other register is kept but
 * the flags (and aarch64's link register). */
void *otelctx_tls_descriptor_target(const void *descriptor)
{
    void *address;
#if defined(__x86_64__)
    __asm__("call *(%%rax)\n\t"
            "add %%fs:0, %%rax"
            : "=a"(address) : "a"(descriptor) : "cc", "memory");
#else
    register const void *x0 __asm__("x0") = descriptor;
    __asm__("ldr x1, [x0]\n\t"
            "blr x1\n\t"
            "mrs x1, tpidr_el0\n\t"
            "add x0, x0, x1"
            : "+r"(x0) : : "x1", "x30", "cc", "memory");
    address = (void *)x0;
#endif
    return address;
}

/* The pages holding [at, at + len). */
static int protect(uintptr_t at, size_t len, uintptr_t page, int prot)
{
    uintptr_t from = at & ~(page - 1);

    return mprotect((void *)from, at + len - from, prot) == 0 ? 0 : -errno;
}

int otelctx_tls_redirect(void *const *descriptors, size_t n, const void *owner_descriptor,
                         uintptr_t relro_start, uintptr_t relro_end)
{
    void *words[2];
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

    /* The dynamic linker makes read-only only the whole pages of RELRO
     * (glibc and musl round its end down): a descriptor in the last, partial
     * page stays writable, and so does the page after it. */
    relro_start &= ~(page - 1);
    relro_end &= ~(page - 1);
    memcpy(words, owner_descriptor, sizeof(words));
    for (size_t i = 0; i < n; i++) {
        uintptr_t at = (uintptr_t)descriptors[i];
        int in_relro = at >= relro_start && at + sizeof(words) <= relro_end;
        int err = in_relro ? protect(at, sizeof(words), page, PROT_READ | PROT_WRITE) : 0;
        if (err < 0)
            return err;
        memcpy(descriptors[i], words, sizeof(words));
        if (in_relro && (err = protect(at, sizeof(words), page, PROT_READ)) < 0)
            return err;
    }
    return 0;
}
