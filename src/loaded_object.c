/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>

#include "loaded_object.h"

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#else
#error "otelctx supports x86-64 and aarch64"
#endif

/* glibc rewrites d_ptr to run-time addresses, musl leaves file addresses. */
static const void *dyn_ptr(const struct otelctx_loaded_object *o, ElfW(Addr) ptr)
{
    return (const void *)(ptr < o->base ? o->base + ptr : ptr);
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

/* The slot's .dynsym entry and the dynamic relocation tables. */
static void read_dynamic(struct otelctx_loaded_object *o)
{
    struct otelctx_elf_view *v = &o->view;
    const Elf64_Sym *symtab = NULL;
    const char *strtab = NULL;
    const uint32_t *hash = NULL, *gnu_hash = NULL;
    const Elf64_Rela *rela = NULL, *jmprel = NULL;
    size_t rela_size = 0, jmprel_size = 0;
    int plt_is_rela = 0;

    for (const ElfW(Dyn) *d = o->dynamic; d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
        case DT_SYMTAB: symtab = dyn_ptr(o, d->d_un.d_ptr); break;
        case DT_STRTAB: strtab = dyn_ptr(o, d->d_un.d_ptr); break;
        case DT_HASH: hash = dyn_ptr(o, d->d_un.d_ptr); break;
        case DT_GNU_HASH: gnu_hash = dyn_ptr(o, d->d_un.d_ptr); break;
        case DT_RELA: rela = dyn_ptr(o, d->d_un.d_ptr); break;
        case DT_RELASZ: rela_size = d->d_un.d_val; break;
        case DT_JMPREL: jmprel = dyn_ptr(o, d->d_un.d_ptr); break;
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
        if (strcmp(strtab + symtab[i].st_name, OTELCTX_SLOT_NAME) == 0) {
            v->slot_index = i;
            v->slot = &symtab[i];
        }
    }
}

void otelctx__loaded_object_read(const struct dl_phdr_info *info, struct otelctx_loaded_object *o)
{
    memset(o, 0, sizeof(*o));
    o->base = info->dlpi_addr;
    o->executable = (uintptr_t)info->dlpi_phdr == getauxval(AT_PHDR);
    o->path = o->executable || info->dlpi_name == NULL ? "" : info->dlpi_name;
    o->name = o->path[0] == '\0' ? "the executable" : o->path;
    o->tls_data = info->dlpi_tls_data;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_DYNAMIC)
            o->dynamic = (const ElfW(Dyn) *)start;
        if (ph->p_type == PT_TLS) {
            o->tls_image = (const void *)start;
            o->tls_image_size = ph->p_filesz;
        }
        if (ph->p_type == PT_GNU_RELRO) {
            o->relro_start = start;
            o->relro_end = start + ph->p_memsz;
        }
    }
    o->view.name = o->name;
    o->view.machine = HOST_MACHINE;
    o->view.executable = o->executable;
    if (o->dynamic != NULL)
        read_dynamic(o);
}

bool otelctx__loaded_object_defines_slot(const struct otelctx_loaded_object *o)
{
    const Elf64_Sym *s = o->view.slot;
    return s != NULL && s->st_shndx != SHN_UNDEF && ELF64_ST_TYPE(s->st_info) == STT_TLS;
}

void *otelctx__loaded_object_slot_here(const struct otelctx_loaded_object *o)
{
    if (!otelctx__loaded_object_defines_slot(o) || o->tls_data == NULL)
        return NULL;
    return (char *)o->tls_data + o->view.slot->st_value;
}

size_t otelctx__loaded_object_slot_descriptors(const struct otelctx_loaded_object *o,
                                               void **out, size_t max)
{
    const struct otelctx_elf_view *v = &o->view;
    const char *type_name;
    size_t n = 0;

    if (v->slot_index == 0)
        return 0;
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; v->rela[t] != NULL && i < v->rela_count[t] && n < max; i++) {
            const Elf64_Rela *r = &v->rela[t][i];
            if (ELF64_R_SYM(r->r_info) == v->slot_index &&
                otelctx__tls_access(v->machine, ELF64_R_TYPE(r->r_info), &type_name) == OTELCTX_TLS_DESC)
                out[n++] = (void *)(o->base + r->r_offset);
        }
    }
    return n;
}

struct containing {
    uintptr_t addr;
    struct otelctx_loaded_object *object;
    bool found;
};

static int find_containing(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct containing *c = arg;

    (void)size;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && c->addr >= start && c->addr - start < ph->p_memsz) {
            otelctx__loaded_object_read(info, c->object);
            c->found = true;
            return 1;
        }
    }
    return 0;
}

bool otelctx__loaded_object_containing(const void *addr, struct otelctx_loaded_object *o)
{
    struct containing c = {(uintptr_t)addr, o, false};

    dl_iterate_phdr(find_containing, &c);
    return c.found;
}
