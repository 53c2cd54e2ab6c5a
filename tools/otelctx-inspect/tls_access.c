/* SPDX-License-Identifier: Apache-2.0 */
#include "tls_access.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*
 * Bounds on the words read from the target. Static TLS sits just below the
 * thread pointer (glibc: the executable's and the initial libraries' blocks
 * plus a surplus of a few KiB; musl: exactly their blocks), so an offset
 * beyond 1 GiB is not one; module ids are counted from 1 per loaded object
 * with TLS.
 */
#define STATIC_TLS_MAX ((int64_t)1 << 30)
#define MODULE_MAX ((uint64_t)1 << 20)
/* glibc's TLS_DTV_UNALLOCATED: a DTV entry of a block not allocated yet. */
#define DTV_UNALLOCATED UINT64_MAX

const char *tls_model_name(enum tls_model m)
{
    switch (m) {
    case TLS_MODEL_TLSDESC_STATIC:
        return "tlsdesc-static";
    case TLS_MODEL_TLSDESC_DYNAMIC:
        return "tlsdesc-dynamic";
    case TLS_MODEL_INITIAL_EXEC:
        return "initial-exec";
    case TLS_MODEL_LOCAL_EXEC:
        return "local-exec";
    case TLS_MODEL_GENERAL_DYNAMIC:
        return "general-dynamic";
    }
    return "unknown";
}

int tls_access_is_musl(const struct target *t)
{
    for (size_t i = 0; i < t->n_objects; i++)
        if (strstr(t->objects[i].path, "musl") != NULL &&
            elf_file_symbol(&t->objects[i].elf, "__libc_start_main") != NULL)
            return 1;
    return 0;
}

/*
 * The executable's TLS block ends where its libc puts it, and the linker's
 * local-exec offsets assume the same:
 * - x86-64 (variant II), with a dynamic linker: glibc's
 *   _dl_determine_tlsoffset (elf/dl-tls.c) takes the first module at
 *   roundup(p_memsz - firstbyte, p_align) + firstbyte below the thread
 *   pointer, firstbyte = -p_vaddr & (p_align - 1) (l_tls_firstbyte_offset
 *   is p_vaddr & (p_align - 1)), so that the block starts congruent to
 *   p_vaddr modulo p_align. musl (__init_tls.c, static_init_tls, and its
 *   dynamic linker the same way) grows the size by
 *   (-p_memsz - p_vaddr) & (p_align - 1): the same smallest size >= p_memsz
 *   congruent to firstbyte. Written here in musl's form, which cannot wrap
 *   when p_memsz < firstbyte.
 * - x86-64, glibc without a dynamic linker (static, static-pie):
 *   __libc_setup_tls (csu/libc-tls.c) sets l_tls_offset to
 *   roundup(p_memsz, p_align), ignoring p_vaddr's misalignment.
 * The reference reader uses roundup(p_memsz, p_align) everywhere: the
 * three agree when p_vaddr is a multiple of p_align (what linkers emit).
 * - aarch64 (variant I): above the 16-byte TCB, roundup(16, p_align).
 */
int tls_access_local_exec(const struct elf_file *f, uint64_t st_value, int64_t *tp_offset)
{
    const Elf64_Phdr *tls = f->tls;

    if (tls == NULL)
        return -1;
    uint64_t align = tls->p_align > 1 ? tls->p_align : 1;
    if ((align & (align - 1)) != 0 || align > (uint64_t)STATIC_TLS_MAX || tls->p_memsz < 8 ||
        tls->p_memsz > (uint64_t)STATIC_TLS_MAX || st_value > tls->p_memsz - 8)
        return -1;
    if (f->view.machine == EM_AARCH64) {
        *tp_offset = (int64_t)((16 + align - 1) / align * align + st_value);
        return 0;
    }
    uint64_t first_byte = f->has_interp || !f->glibc_static_tls ? -tls->p_vaddr & (align - 1) : 0;
    uint64_t block = tls->p_memsz + ((first_byte - tls->p_memsz) & (align - 1));
    *tp_offset = (int64_t)st_value - (int64_t)block;
    return 0;
}

/* The relocations of o against its .dynsym slot, the first of each kind. */
struct slot_relocations {
    const Elf64_Rela *tlsdesc, *tpoff, *dtpmod;
};

static void find_relocations(const struct elf_file *f, struct slot_relocations *found)
{
    const struct otelctx_elf_view *v = &f->view;

    memset(found, 0, sizeof(*found));
    if (f->slot_only_in_symtab || v->slot_index == 0)
        return; /* dynamic relocations name .dynsym entries only */
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; v->rela[t] != NULL && i < v->rela_count[t]; i++) {
            const Elf64_Rela *r = &v->rela[t][i];
            if (ELF64_R_SYM(r->r_info) != v->slot_index)
                continue;
            const Elf64_Rela **kind = ELF64_R_TYPE(r->r_info) == R_X86_64_TLSDESC  ? &found->tlsdesc
                                      : ELF64_R_TYPE(r->r_info) == R_X86_64_TPOFF64 ? &found->tpoff
                                      : ELF64_R_TYPE(r->r_info) == R_X86_64_DTPMOD64 ? &found->dtpmod
                                                                                     : NULL;
            if (kind != NULL && *kind == NULL)
                *kind = r;
        }
    }
}

/* Reads len bytes of the target at the GOT address o's base + r_offset. */
static int read_got(const struct target *t, const struct loaded_object *o, const Elf64_Rela *r,
                    uint64_t *words, size_t n, char *why, size_t why_len)
{
    uint64_t at = o->base + r->r_offset;
    int err = target_read(t, at, words, n * sizeof(*words));
    if (err != 0)
        snprintf(why, why_len, "%s: cannot read the GOT entry of " OTELCTX_SLOT_NAME
                 " at 0x%" PRIx64 ": %s", o->path, at, strerror(-err));
    return err;
}

static int static_offset(const struct loaded_object *o, uint64_t word, struct tls_access *out,
                         char *why, size_t why_len)
{
    int64_t offset = (int64_t)word;
    if (offset > -8 || offset < -STATIC_TLS_MAX) {
        snprintf(why, why_len, "%s: the static TLS offset of " OTELCTX_SLOT_NAME " is %" PRId64
                 ", not within %" PRId64 " bytes below the thread pointer", o->path, offset,
                 STATIC_TLS_MAX);
        return -1;
    }
    out->tp_offset = offset;
    return 0;
}

/* A {module, offset} pair (a tls_index, or a GOT pair), bounded. */
static int dynamic_index(const struct loaded_object *o, const uint64_t index[2],
                         struct tls_access *out, char *why, size_t why_len)
{
    /* The block need not be o's own: a descriptor may reach another
     * object's slot (a definition that interposes o's, or the owner a copy
     * of otelctx joined), so the offset is only bounded. */
    if (index[0] == 0 || index[0] > MODULE_MAX || index[1] > (uint64_t)STATIC_TLS_MAX) {
        snprintf(why, why_len, "%s: the TLS index of " OTELCTX_SLOT_NAME " is {module %" PRIu64
                 ", offset %" PRIu64 "}, not a module of at most %" PRIu64 " with the slot in "
                 "its first %" PRId64 " bytes", o->path, index[0], index[1], MODULE_MAX,
                 STATIC_TLS_MAX);
        return -1;
    }
    out->dynamic = 1;
    out->module = index[0];
    out->offset = index[1];
    return 0;
}

/*
 * TLSDESC: the descriptor is two GOT words {resolver, argument}. glibc
 * (sysdeps/x86_64/dl-machine.h, dl-tlsdesc.S) and musl (ldso/dynlink.c,
 * src/ldso/x86_64/tlsdesc.s) both write, for a block in static TLS, the
 * resolver that returns its argument: the offset from the thread pointer,
 * negative (variant II); for a block in dynamic TLS, the resolver that
 * takes its argument as a pointer to {module id, offset} (glibc's struct
 * tlsdesc_dynamic_arg starts with its tls_index; musl mallocs the pair). A
 * user-space pointer is positive as int64, an offset below the thread
 * pointer negative. A glibc descriptor still bound lazily points at its own
 * Elf64_Rela instead: caught by comparing the pair with the relocation.
 */
static int from_tlsdesc(const struct target *t, const struct loaded_object *o,
                        const Elf64_Rela *r, struct tls_access *out, char *why, size_t why_len)
{
    uint64_t descriptor[2], index[2];

    if (read_got(t, o, r, descriptor, 2, why, why_len) != 0)
        return -1;
    if ((int64_t)descriptor[1] < 0) {
        out->model = TLS_MODEL_TLSDESC_STATIC;
        return static_offset(o, descriptor[1], out, why, why_len);
    }
    out->model = TLS_MODEL_TLSDESC_DYNAMIC;
    int err = target_read(t, descriptor[1], index, sizeof(index));
    if (err != 0) {
        snprintf(why, why_len, "%s: cannot read the TLS index of " OTELCTX_SLOT_NAME
                 " at 0x%" PRIx64 " (its TLSDESC argument): %s", o->path, descriptor[1],
                 strerror(-err));
        return -1;
    }
    if (index[0] == r->r_offset && index[1] == r->r_info) {
        snprintf(why, why_len, "%s: the TLSDESC descriptor of " OTELCTX_SLOT_NAME " is not "
                 "resolved yet (lazy binding)", o->path);
        return -1;
    }
    return dynamic_index(o, index, out, why, why_len);
}

int tls_access_locate(const struct target *t, const struct loaded_object *o,
                      struct tls_access *out, char *why, size_t why_len)
{
    const Elf64_Sym *slot = o->elf.slot;
    struct slot_relocations found;

    memset(out, 0, sizeof(*out));
    if (slot == NULL || slot->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(slot->st_info) != STT_TLS ||
        slot->st_size != 8) {
        snprintf(why, why_len, "%s: defines no 8-byte STT_TLS " OTELCTX_SLOT_NAME, o->path);
        return 1;
    }
    if (o->elf.view.machine != EM_X86_64) {
        snprintf(why, why_len, "%s: the slot is located on x86-64 only", o->path);
        return -1;
    }
    out->slot_only_in_symtab = o->elf.slot_only_in_symtab;
    out->offset = slot->st_value;
    out->dtv_entry = tls_access_is_musl(t) ? 8 : 16;
    out->dtv_pointer_offset = 8;
    find_relocations(&o->elf, &found);
    if (found.tlsdesc != NULL)
        return from_tlsdesc(t, o, found.tlsdesc, out, why, why_len);
    if (found.tpoff != NULL) {
        uint64_t word;
        out->model = TLS_MODEL_INITIAL_EXEC;
        if (read_got(t, o, found.tpoff, &word, 1, why, why_len) != 0)
            return -1;
        return static_offset(o, word, out, why, why_len);
    }
    if (found.dtpmod != NULL) {
        /* The GOT pair {module, offset} of __tls_get_addr: DTPMOD64 writes
         * the first word, DTPOFF64 (or the linker) the second. */
        uint64_t index[2];
        out->model = TLS_MODEL_GENERAL_DYNAMIC;
        if (read_got(t, o, found.dtpmod, index, 2, why, why_len) != 0)
            return -1;
        return dynamic_index(o, index, out, why, why_len);
    }
    if (!o->elf.view.executable) {
        snprintf(why, why_len, "%s: a library with no TLSDESC, TPOFF64 or DTPMOD64 relocation "
                 "against " OTELCTX_SLOT_NAME " (local-dynamic is not located)", o->path);
        return -1;
    }
    out->model = TLS_MODEL_LOCAL_EXEC;
    if (tls_access_local_exec(&o->elf, slot->st_value, &out->tp_offset) == 0)
        return 0;
    snprintf(why, why_len, "%s: " OTELCTX_SLOT_NAME " lies outside the executable's TLS segment",
             o->path);
    return -1;
}

static int read_word(const struct target *t, uint64_t at, uint64_t *word, const char *what,
                     char *why, size_t why_len)
{
    int err = target_read(t, at, word, sizeof(*word));
    if (err != 0)
        snprintf(why, why_len, "cannot read %s at 0x%" PRIx64 ": %s", what, at, strerror(-err));
    return err;
}

/*
 * The DTV: glibc's dtv_t is 16 bytes, {pointer.val, pointer.to_free},
 * dtv[-1].counter its length and (void *)-1 a block not allocated yet;
 * musl's is one word each, dtv[0] its length. A module past the length is
 * not allocated in that thread either: the DTV grows on its first access.
 */
int tls_access_address(const struct target *t, const struct tls_access *a, uint64_t tp,
                       uint64_t *address, char *why, size_t why_len)
{
    uint64_t dtv, length, block;

    if (!a->dynamic) {
        *address = tp + (uint64_t)a->tp_offset;
        return 0;
    }
    if (a->module == 0 || a->module > MODULE_MAX || (a->dtv_entry != 8 && a->dtv_entry != 16)) {
        snprintf(why, why_len, "no DTV entry %" PRIu64 " of %u bytes", a->module, a->dtv_entry);
        return -1;
    }
    if (read_word(t, tp + a->dtv_pointer_offset, &dtv, "the DTV pointer", why, why_len) != 0)
        return -1;
    uint64_t span = (a->module + 1) * a->dtv_entry;
    if (dtv < 16 || dtv > UINT64_MAX - span) {
        snprintf(why, why_len, "the DTV pointer 0x%" PRIx64 " leaves no room for module %" PRIu64,
                 dtv, a->module);
        return -1;
    }
    uint64_t length_at = a->dtv_entry == 16 ? dtv - 16 : dtv;
    if (read_word(t, length_at, &length, "the DTV length", why, why_len) != 0 ||
        (a->module <= length &&
         read_word(t, dtv + a->module * a->dtv_entry, &block, "a DTV entry", why, why_len) != 0))
        return -1;
    if (a->module > length || block == 0 || (a->dtv_entry == 16 && block == DTV_UNALLOCATED))
        return 1;
    *address = block + a->offset;
    return 0;
}
