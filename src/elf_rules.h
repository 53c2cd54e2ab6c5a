/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What OTEP 4947 asks of the ELF object that carries otel_thread_ctx_v1, in
 * one place. Two readers fill an otelctx_elf_view and apply the same rules:
 * otelctx_self_check() from the loaded object in memory, and
 * `otelctx-inspect check` (which the build's ELF gate runs) from a file.
 * 64-bit ELF only: x86-64 and aarch64.
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

/* What the rules look at, however it was read. */
struct otelctx_elf_view {
    const char *name;               /* for messages */
    unsigned machine;               /* EM_X86_64, EM_AARCH64 */
    int executable;                 /* the main program, not a library */
    size_t slot_index;              /* .dynsym index of the slot; 0: absent */
    const Elf64_Sym *slot;          /* its entry, when slot_index != 0 */
    const Elf64_Rela *rela[2];      /* dynamic relocation tables (may be NULL) */
    size_t rela_count[2];
};

/*
 * 0 when the slot is a defined TLS GLOBAL DEFAULT symbol of .dynsym and every
 * relocation against it is TLSDESC (a shared library needs at least one and
 * may still import __tls_get_addr for other variables, as a Rust cdylib does
 * for std's; in an executable the linker may relax the
 * access to initial-exec or local-exec). Otherwise -ENOEXEC. Either way why
 * receives a one-line explanation.
 */
int otelctx__check_elf_view(const struct otelctx_elf_view *view,
                            char *why, size_t why_len);

#endif
