/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>

#include "elf_rules.h"

enum otelctx_tls_access otelctx__tls_access(unsigned machine, unsigned type,
                                            const char **name)
{
    static const struct {
        unsigned machine, type;
        enum otelctx_tls_access access;
        const char *name;
    } table[] = {
        {EM_X86_64, R_X86_64_TLSDESC, OTELCTX_TLS_DESC, "R_X86_64_TLSDESC"},
        {EM_X86_64, R_X86_64_DTPMOD64, OTELCTX_TLS_LEGACY, "R_X86_64_DTPMOD64"},
        {EM_X86_64, R_X86_64_DTPOFF64, OTELCTX_TLS_LEGACY, "R_X86_64_DTPOFF64"},
        {EM_X86_64, R_X86_64_TPOFF64, OTELCTX_TLS_STATIC, "R_X86_64_TPOFF64"},
        {EM_AARCH64, R_AARCH64_TLSDESC, OTELCTX_TLS_DESC, "R_AARCH64_TLSDESC"},
        {EM_AARCH64, R_AARCH64_TLS_DTPMOD, OTELCTX_TLS_LEGACY, "R_AARCH64_TLS_DTPMOD"},
        {EM_AARCH64, R_AARCH64_TLS_DTPREL, OTELCTX_TLS_LEGACY, "R_AARCH64_TLS_DTPREL"},
        {EM_AARCH64, R_AARCH64_TLS_TPREL, OTELCTX_TLS_STATIC, "R_AARCH64_TLS_TPREL"},
    };

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].machine == machine && table[i].type == type) {
            *name = table[i].name;
            return table[i].access;
        }
    }
    *name = NULL;
    return OTELCTX_TLS_NONE;
}

static int check_symbol(const struct otelctx_elf_view *v, char *why, size_t why_len)
{
    const char *problem = NULL;

    if (v->slot_index == 0 && v->executable)
        problem = "is not in .dynsym (not exported: link executables with "
                  "-Wl,--export-dynamic-symbol=" OTELCTX_SLOT_NAME ")";
    else if (v->slot_index == 0)
        problem = "is not in .dynsym (hidden: a shared library's version script "
                  "must list it under global:)";
    else if (v->slot->st_shndx == SHN_UNDEF)
        problem = "is undefined in .dynsym";
    else if (ELF64_ST_TYPE(v->slot->st_info) != STT_TLS)
        problem = "is not a TLS symbol";
    else if (ELF64_ST_BIND(v->slot->st_info) != STB_GLOBAL)
        problem = "does not have GLOBAL binding";
    else if (ELF64_ST_VISIBILITY(v->slot->st_other) != STV_DEFAULT)
        problem = "does not have DEFAULT visibility";
    else if (v->slot->st_size != 8) {
        /* Readers (the eBPF profiler, Datadog's agent) require one pointer. */
        snprintf(why, why_len, "%s: " OTELCTX_SLOT_NAME " has size %llu, not 8 (one pointer)",
                 v->name, (unsigned long long)v->slot->st_size);
        return -ENOEXEC;
    }
    if (problem == NULL)
        return 0;
    snprintf(why, why_len, "%s: " OTELCTX_SLOT_NAME " %s", v->name, problem);
    return -ENOEXEC;
}

int otelctx__check_elf_view(const struct otelctx_elf_view *v, char *why, size_t why_len)
{
    size_t tlsdesc = 0, relaxed = 0;

    if (check_symbol(v, why, why_len) < 0)
        return -ENOEXEC;
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; v->rela[t] != NULL && i < v->rela_count[t]; i++) {
            const Elf64_Rela *r = &v->rela[t][i];
            const char *name;
            if (ELF64_R_SYM(r->r_info) != v->slot_index)
                continue;
            enum otelctx_tls_access access =
                otelctx__tls_access(v->machine, ELF64_R_TYPE(r->r_info), &name);
            if (access == OTELCTX_TLS_DESC) {
                tlsdesc++;
            } else if (access == OTELCTX_TLS_STATIC && v->executable) {
                relaxed++;
            } else if (access != OTELCTX_TLS_NONE) {
                snprintf(why, why_len, "%s reaches " OTELCTX_SLOT_NAME
                         " through %s, not TLSDESC", v->name, name);
                return -ENOEXEC;
            }
        }
    }
    if (!v->executable && tlsdesc == 0) {
        snprintf(why, why_len, "%s has no TLSDESC relocation against "
                 OTELCTX_SLOT_NAME, v->name);
        return -ENOEXEC;
    }
    snprintf(why, why_len, OTELCTX_SLOT_NAME " TLS GLOBAL DEFAULT in %s, "
             "%zu TLSDESC relocation(s), %zu relaxed to initial-exec",
             v->name, tlsdesc, relaxed);
    return 0;
}
