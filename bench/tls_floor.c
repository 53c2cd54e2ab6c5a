/* SPDX-License-Identifier: Apache-2.0 */
/*
 * floor/tlsdesc: a pointer store through one TLSDESC access per iteration, to
 * a variable of this tiny shared library. The loop has to live here: in an
 * executable every linker relaxes TLSDESC to initial-exec, and a compiler
 * hoists the (loop-invariant) address out of a C loop, so the access is the
 * exact sequence the compiler emits for one TLSDESC store, written out.
 */
#include <stddef.h>

__attribute__((visibility("default"), tls_model("global-dynamic")))
_Thread_local void *bench_tlsdesc_slot;

__attribute__((visibility("default")))
void bench_tlsdesc_swaps(size_t n, void *a, void *b)
{
    for (size_t i = 0; i < n; i++) {
        void *value = i & 1 ? b : a;
        unsigned long offset;
#if defined(__x86_64__)
        __asm__ volatile("leaq bench_tlsdesc_slot@TLSDESC(%%rip), %%rax\n\t"
                         "call *bench_tlsdesc_slot@TLSCALL(%%rax)\n\t"
                         "movq %1, %%fs:(%%rax)"
                         : "=&a"(offset)
                         : "r"(value)
                         : "cc", "memory");
#else
#error "floor/tlsdesc is written for x86-64"
#endif
    }
}
