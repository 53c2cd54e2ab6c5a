/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_access_local_exec against the layout rule stated directly: the
 * executable's block ends at the thread pointer's side of the smallest
 * offset off >= p_memsz at which it starts where the libc puts it. glibc's
 * ld.so and musl start it congruent to p_vaddr modulo p_align
 * ((off + p_vaddr) % p_align == 0, tp being p_align-aligned); glibc without
 * a dynamic linker at a multiple of p_align. Found here by counting up,
 * for every small alignment, size, misalignment and symbol offset, for a
 * dynamic executable, a glibc static one and a musl static one.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "elf_file.h"
#include "tls_access.h"

static uint64_t smallest_offset(uint64_t memsz, uint64_t align, uint64_t vaddr, int congruent)
{
    uint64_t off = memsz;
    while ((congruent ? off + vaddr : off) % align != 0)
        off++;
    return off;
}

int main(void)
{
    struct elf_file f;
    Elf64_Phdr tls;
    size_t cases = 0, differ = 0;

    enum { DYNAMIC, GLIBC_STATIC, MUSL_STATIC };
    for (int kind = DYNAMIC; kind <= MUSL_STATIC; kind++) {
        int glibc_static = kind == GLIBC_STATIC;
        for (uint64_t align = 1; align <= 64; align *= 2) {
            for (uint64_t memsz = 8; memsz <= 80; memsz++) {
                for (uint64_t mis = 0; mis < align; mis++) {
                    memset(&f, 0, sizeof(f));
                    memset(&tls, 0, sizeof(tls));
                    tls.p_type = PT_TLS;
                    tls.p_vaddr = 0x403000 + mis;
                    tls.p_memsz = memsz;
                    tls.p_align = align;
                    f.tls = &tls;
                    f.view.machine = EM_X86_64;
                    f.has_interp = kind == DYNAMIC;
                    f.glibc_static_tls = glibc_static;
                    uint64_t off = smallest_offset(memsz, align, tls.p_vaddr, !glibc_static);
                    for (uint64_t value = 0; value + 8 <= memsz; value += 4) {
                        int64_t tp_offset;
                        CHECK(tls_access_local_exec(&f, value, &tp_offset) == 0);
                        CHECK(tp_offset == (int64_t)value - (int64_t)off);
                        cases++;
                    }
                    /* The reference reader's roundup(p_memsz, p_align). */
                    differ += off != smallest_offset(memsz, align, 0, 0);
                    int64_t unused;
                    CHECK(tls_access_local_exec(&f, memsz - 7, &unused) == -1);
                }
            }
        }
    }
    tls.p_align = 24; /* not a power of two */
    CHECK(tls_access_local_exec(&f, 0, &(int64_t){0}) == -1);
    f.tls = NULL;
    CHECK(tls_access_local_exec(&f, 0, &(int64_t){0}) == -1);
    printf("local-exec: %zu cases as the libcs lay the block out; the reference reader's "
           "roundup(p_memsz, p_align) differs in %zu layouts (p_vaddr not aligned, with ld.so or musl)\n",
           cases, differ);
    CHECK(differ > 0);
    return 0;
}
