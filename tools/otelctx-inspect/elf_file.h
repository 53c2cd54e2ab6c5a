/* SPDX-License-Identifier: Apache-2.0 */
/* A 64-bit ELF file mapped read-only, checked for bounds before any use. */
#ifndef OTELCTX_INSPECT_ELF_FILE_H
#define OTELCTX_INSPECT_ELF_FILE_H

#include <elf.h>
#include <stddef.h>

#include "elf_rules.h"

struct elf_file {
    const unsigned char *data;
    size_t size;
    const Elf64_Ehdr *ehdr;
    struct otelctx_elf_view view;    /* what the OTEP 4947 rules look at */
    const Elf64_Phdr *tls;           /* PT_TLS, or NULL */
    int has_interp;                  /* PT_INTERP: started by a dynamic linker */
    Elf64_Addr first_load_vaddr;     /* p_vaddr of the first PT_LOAD */
    const Elf64_Sym *dynsym;         /* .dynsym entries, with their names */
    size_t n_dynsym;
    const char *dynstr;
    size_t dynstr_size;
};

/* Maps path and fills f; 0, or -1 with the reason in why. */
int elf_file_open(struct elf_file *f, const char *path, char *why, size_t why_len);
void elf_file_close(struct elf_file *f);

/* The .dynsym entry named name, or NULL. */
const Elf64_Sym *elf_file_symbol(const struct elf_file *f, const char *name);

#endif
