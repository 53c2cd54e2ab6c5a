/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otelctx_self_check(): the ELF rules of OTEP 4947, applied in memory to the
 * object this code was linked into, through its dynamic section. Readers
 * find the slot the same way, so what passes here is what they can use.
 */
#include <errno.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

#include "elf_rules.h"
#include "otelctx.h"

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#else
#error "otelctx supports x86-64 and aarch64"
#endif

/* The loaded object that contains otelctx_self_check itself. */
struct loaded_object {
    ElfW(Addr) base;
    const ElfW(Dyn) *dynamic;
    const char *name;
    bool executable;
};

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct loaded_object *self = arg;
    uintptr_t here = (uintptr_t)&otelctx_self_check;
    const ElfW(Dyn) *dynamic = NULL;
    bool contains = false;

    (void)size;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && here >= start && here - start < ph->p_memsz)
            contains = true;
        if (ph->p_type == PT_DYNAMIC)
            dynamic = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
    }
    if (!contains)
        return 0;
    self->base = info->dlpi_addr;
    self->dynamic = dynamic;
    self->executable = (uintptr_t)info->dlpi_phdr == getauxval(AT_PHDR);
    self->name = self->executable || info->dlpi_name == NULL || info->dlpi_name[0] == '\0'
                     ? "the executable" : info->dlpi_name;
    return 1;
}

/* glibc rewrites d_ptr to run-time addresses, musl leaves file addresses. */
static const void *dyn_ptr(const struct loaded_object *self, ElfW(Addr) ptr)
{
    return (const void *)(ptr < self->base ? self->base + ptr : ptr);
}

/* Number of .dynsym entries: DT_HASH says it, DT_GNU_HASH has to be walked. */
static size_t dynsym_count(const uint32_t *hash, const uint32_t *gnu_hash)
{
    if (hash != NULL)
        return hash[1];
    if (gnu_hash == NULL)
        return 0;
    uint32_t nbuckets = gnu_hash[0], symoffset = gnu_hash[1];
    uint32_t bloom_words = gnu_hash[2];
    const uint32_t *buckets = gnu_hash + 4 + bloom_words * (sizeof(ElfW(Addr)) / 4);
    const uint32_t *chain = buckets + nbuckets;
    uint32_t last = 0;

    for (uint32_t b = 0; b < nbuckets; b++)
        if (buckets[b] > last)
            last = buckets[b];
    if (last < symoffset)
        return symoffset;
    while ((chain[last - symoffset] & 1) == 0)
        last++;
    return (size_t)last + 1;
}

/* The view the rules need, from the object's dynamic section. */
static void read_dynamic(const struct loaded_object *self, struct otelctx_elf_view *v)
{
    const Elf64_Sym *symtab = NULL;
    const char *strtab = NULL;
    const uint32_t *hash = NULL, *gnu_hash = NULL;
    const Elf64_Rela *rela = NULL, *jmprel = NULL;
    size_t rela_size = 0, jmprel_size = 0;
    int plt_is_rela = 0;

    for (const ElfW(Dyn) *d = self->dynamic; d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
        case DT_SYMTAB: symtab = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_STRTAB: strtab = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_HASH: hash = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_GNU_HASH: gnu_hash = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_RELA: rela = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_RELASZ: rela_size = d->d_un.d_val; break;
        case DT_JMPREL: jmprel = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_PLTRELSZ: jmprel_size = d->d_un.d_val; break;
        case DT_PLTREL: plt_is_rela = d->d_un.d_val == DT_RELA; break;
        default: break;
        }
    }
    v->rela[0] = rela;
    v->rela_count[0] = rela_size / sizeof(Elf64_Rela);
    v->rela[1] = plt_is_rela ? jmprel : NULL;
    v->rela_count[1] = jmprel_size / sizeof(Elf64_Rela);
    if (symtab == NULL || strtab == NULL)
        return;
    size_t n_syms = dynsym_count(hash, gnu_hash);
    for (size_t i = 1; i < n_syms; i++) {
        const char *name = strtab + symtab[i].st_name;
        if (strcmp(name, OTELCTX_SLOT_NAME) == 0) {
            v->slot_index = i;
            v->slot = &symtab[i];
        }
    }
}

int otelctx_self_check(char *why, size_t why_len)
{
    struct loaded_object self = {0};
    struct otelctx_elf_view view = {0};

    if (why == NULL)
        why_len = 0;
    if (why_len > 0)
        why[0] = '\0';
    if (dl_iterate_phdr(find_self, &self) == 0 || self.dynamic == NULL) {
        snprintf(why, why_len, "otelctx is linked into a fully static executable (-static), "
                 "which has no .dynsym: the spec requires " OTELCTX_SLOT_NAME " there (a reader "
                 "that falls back to .symtab finds it only while the binary is not stripped); link with "
                 "-static-pie (and -Wl,--export-dynamic-symbol=" OTELCTX_SLOT_NAME ") instead");
        return -ENOEXEC;
    }
    view.name = self.name;
    view.machine = HOST_MACHINE;
    view.executable = self.executable;
    read_dynamic(&self, &view);
    return otelctx__check_elf_view(&view, why, why_len);
}
