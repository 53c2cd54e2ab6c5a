/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parts of a 64-bit ELF file the inspector needs, read with pread into
 * buffers of its own: never mapped (a file truncated under a mapping kills
 * its reader with SIGBUS), never more than ELF_FILE_READ_CAP bytes of one
 * file, and only from an already open descriptor or a regular file the user
 * named. A file that is shorter than its headers say, or that shrinks while
 * read, is an error for that file.
 */
#ifndef OTELCTX_INSPECT_ELF_FILE_H
#define OTELCTX_INSPECT_ELF_FILE_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_rules.h"

/* The most read of one file: headers, .dynsym, .dynstr, RELA, PT_DYNAMIC,
 * and .symtab + .strtab when they are read (see slot_only_in_symtab). */
#define ELF_FILE_READ_CAP ((uint64_t)64 << 20)

struct elf_file {
    Elf64_Ehdr ehdr;
    struct otelctx_elf_view view;    /* what the OTEP 4947 rules look at */
    const Elf64_Phdr *tls;           /* PT_TLS, or NULL */
    int has_interp;                  /* PT_INTERP: started by a dynamic linker */
    Elf64_Addr first_load_vaddr;     /* p_vaddr of the first PT_LOAD */
    Elf64_Addr load_end;             /* the highest p_vaddr + p_memsz of a PT_LOAD (saturated) */
    /* The slot: view.slot, or else a defined STT_TLS otel_thread_ctx_v1 of
     * .symtab (slot_only_in_symtab), as the reference reader falls back to
     * it. .symtab is read only by a file with PT_TLS whose .dynsym lacks
     * the slot, or an executable without interpreter, and only when it fits
     * in what is left of the read cap. */
    const Elf64_Sym *slot;
    int slot_only_in_symtab;
    /* .symtab defines __libc_setup_tls: glibc's start-up without a dynamic
     * linker lays out the executable's TLS (tls_access_local_exec). */
    int glibc_static_tls;
    /* Owned buffers (malloc'd, so aligned for the structures read into them). */
    Elf64_Phdr *phdrs;
    Elf64_Sym *dynsym;               /* .dynsym entries, with their names */
    size_t n_dynsym;
    char *dynstr;
    size_t dynstr_size;
    Elf64_Rela *rela[2];
    Elf64_Sym *symtab_slot;          /* a copy of the .symtab entry, or NULL */
    /* .dynsym by name: bucket heads and next links, UINT32_MAX ends a chain. */
    uint32_t *buckets;
    uint32_t *next;
    size_t n_buckets;
};

enum elf_file_result {
    ELF_FILE_OK = 0,
    ELF_FILE_NOT_ELF = -1,           /* not a 64-bit x86-64 or aarch64 ELF file */
    ELF_FILE_UNREADABLE = -2,        /* an ELF file that cannot be read whole */
};

/* Reads the ELF file open as fd (not closed), naming it name in messages
 * (f->view.name points to name: keep it alive). An elf_file_result; why
 * gets the reason of a failure. elf_file_close() is safe after any result. */
int elf_file_read(struct elf_file *f, int fd, const char *name, char *why, size_t why_len);

/* The same for a regular file the user named (check FILE): opened without
 * blocking, anything else refused. */
int elf_file_open(struct elf_file *f, const char *path, char *why, size_t why_len);

void elf_file_close(struct elf_file *f);

/* The lowest .dynsym entry named name, or NULL. Costs one hash and a compare
 * of at most strlen(name) + 1 bytes per entry of the same hash. */
const Elf64_Sym *elf_file_symbol(const struct elf_file *f, const char *name);

#endif
