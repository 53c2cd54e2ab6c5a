/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What OTEP 4947 asks of the ELF object that carries otel_thread_ctx_v1, as
 * pure functions over symbols and relocation types. The runtime self-check
 * applies them to the loaded object in memory.
 */
#ifndef OTELCTX_ELF_RULES_H
#define OTELCTX_ELF_RULES_H

#include <elf.h>
#include <stddef.h>

#define OTELCTX_SLOT_NAME "otel_thread_ctx_v1"

/* How a relocation reaches a TLS symbol. */
enum otelctx_tls_access {
    OTELCTX_TLS_NONE,        /* not a TLS relocation */
    OTELCTX_TLS_DESC,        /* TLSDESC: the one the spec asks for */
    OTELCTX_TLS_LEGACY,      /* __tls_get_addr general dynamic (DTPMOD/DTPOFF) */
    OTELCTX_TLS_STATIC,      /* initial-exec (TPOFF): static TLS only */
};

/* Classifies relocation type for machine (EM_X86_64, EM_AARCH64); *name gets
 * the relocation's ELF name, or NULL when it is not a TLS relocation. */
enum otelctx_tls_access otelctx__tls_access(unsigned machine, unsigned type,
                                            const char **name);

/* 0 when the slot's dynamic symbol is a defined TLS GLOBAL DEFAULT symbol;
 * otherwise -ENOEXEC with the reason in why. */
int otelctx__check_slot_symbol(unsigned char info, unsigned char other,
                               unsigned shndx, char *why, size_t why_len);

#endif
