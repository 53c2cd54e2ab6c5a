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

int otelctx__check_slot_symbol(unsigned char info, unsigned char other,
                               unsigned shndx, char *why, size_t why_len)
{
    const char *problem = NULL;

    if (shndx == SHN_UNDEF)
        problem = "is undefined here";
    else if (ELF64_ST_TYPE(info) != STT_TLS)
        problem = "is not a TLS symbol";
    else if (ELF64_ST_BIND(info) != STB_GLOBAL)
        problem = "does not have GLOBAL binding";
    else if (ELF64_ST_VISIBILITY(other) != STV_DEFAULT)
        problem = "does not have DEFAULT visibility";
    if (problem == NULL)
        return 0;
    snprintf(why, why_len, OTELCTX_SLOT_NAME " %s in .dynsym", problem);
    return -ENOEXEC;
}
