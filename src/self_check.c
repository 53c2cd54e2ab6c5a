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

struct dynamic_tables {
    const ElfW(Sym) *symtab;
    const char *strtab;
    size_t n_syms;
    const ElfW(Rela) *rela[2];
    size_t rela_size[2];
};

static void read_dynamic(const struct loaded_object *self, struct dynamic_tables *t)
{
    const uint32_t *hash = NULL, *gnu_hash = NULL;
    bool plt_is_rela = false;

    memset(t, 0, sizeof(*t));
    for (const ElfW(Dyn) *d = self->dynamic; d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
        case DT_SYMTAB: t->symtab = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_STRTAB: t->strtab = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_HASH: hash = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_GNU_HASH: gnu_hash = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_RELA: t->rela[0] = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_RELASZ: t->rela_size[0] = d->d_un.d_val; break;
        case DT_JMPREL: t->rela[1] = dyn_ptr(self, d->d_un.d_ptr); break;
        case DT_PLTRELSZ: t->rela_size[1] = d->d_un.d_val; break;
        case DT_PLTREL: plt_is_rela = d->d_un.d_val == DT_RELA; break;
        default: break;
        }
    }
    if (!plt_is_rela)
        t->rela[1] = NULL;
    t->n_syms = dynsym_count(hash, gnu_hash);
}

static size_t find_slot_symbol(const struct dynamic_tables *t)
{
    for (size_t i = 1; i < t->n_syms; i++)
        if (strcmp(t->strtab + t->symtab[i].st_name, OTELCTX_SLOT_NAME) == 0)
            return i;
    return 0;
}

/* A shared library must reach the slot through TLSDESC only (at least one);
 * an executable may also carry the linker's static (initial-exec)
 * relaxation, or none at all (local-exec). Legacy __tls_get_addr never. */
static int check_relocations(const struct loaded_object *self,
                             const struct dynamic_tables *t, size_t slot,
                             char *why, size_t why_len)
{
    size_t tlsdesc = 0, relaxed = 0;

    for (int table = 0; table < 2; table++) {
        size_t n = t->rela[table] == NULL ? 0 : t->rela_size[table] / sizeof(ElfW(Rela));
        for (size_t i = 0; i < n; i++) {
            const ElfW(Rela) *r = &t->rela[table][i];
            const char *name;
            if (ELF64_R_SYM(r->r_info) != slot)
                continue;
            enum otelctx_tls_access access =
                otelctx__tls_access(HOST_MACHINE, ELF64_R_TYPE(r->r_info), &name);
            if (access == OTELCTX_TLS_DESC) {
                tlsdesc++;
            } else if (access == OTELCTX_TLS_STATIC && self->executable) {
                relaxed++;
            } else if (access != OTELCTX_TLS_NONE) {
                snprintf(why, why_len, "%s reaches " OTELCTX_SLOT_NAME
                         " through %s, not TLSDESC", self->name, name);
                return -ENOEXEC;
            }
        }
    }
    if (tlsdesc == 0 && !self->executable) {
        snprintf(why, why_len, "%s has no TLSDESC relocation against "
                 OTELCTX_SLOT_NAME, self->name);
        return -ENOEXEC;
    }
    snprintf(why, why_len, OTELCTX_SLOT_NAME " TLS GLOBAL DEFAULT in %s, "
             "%zu TLSDESC relocation(s), %zu relaxed to initial-exec",
             self->name, tlsdesc, relaxed);
    return 0;
}

int otelctx_self_check(char *why, size_t why_len)
{
    struct loaded_object self = {0};
    struct dynamic_tables tables;

    if (why == NULL)
        why_len = 0;
    if (why_len > 0)
        why[0] = '\0';
    if (dl_iterate_phdr(find_self, &self) == 0 || self.dynamic == NULL) {
        snprintf(why, why_len, "otelctx is not in a dynamically linked object: "
                 "readers cannot find " OTELCTX_SLOT_NAME);
        return -ENOEXEC;
    }
    read_dynamic(&self, &tables);
    size_t slot = tables.symtab && tables.strtab ? find_slot_symbol(&tables) : 0;
    if (slot == 0) {
        snprintf(why, why_len, OTELCTX_SLOT_NAME " is not in the .dynsym of %s "
                 "(link executables with -Wl,--export-dynamic-symbol="
                 OTELCTX_SLOT_NAME ")", self.name);
        return -ENOEXEC;
    }
    const ElfW(Sym) *sym = &tables.symtab[slot];
    int ret = otelctx__check_slot_symbol(sym->st_info, sym->st_other, sym->st_shndx,
                                         why, why_len);
    if (ret < 0)
        return ret;
    return check_relocations(&self, &tables, slot, why, why_len);
}
