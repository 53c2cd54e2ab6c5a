/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The files a target maps, one entry per (device, inode) however often and
 * under whatever names it maps them: each file is read once per reading,
 * found again in constant time (a process can map tens of thousands).
 */
#ifndef OTELCTX_INSPECT_FILE_SET_H
#define OTELCTX_INSPECT_FILE_SET_H

#include <stddef.h>
#include <stdint.h>

#include "elf_file.h"

struct mapped_file {
    uint64_t dev, inode;
    char *name;                 /* the maps line that first named it */
    int is_elf;                 /* elf was read (and is owned here) */
    size_t last_object;         /* index + 1 of its latest loaded object, 0 if none */
    struct elf_file elf;
};

struct file_set {
    struct mapped_file **files; /* in the order first seen */
    size_t n_files, files_cap;
    uint32_t *table;            /* open addressing: index + 1 into files, 0 empty */
    size_t table_size;          /* a power of two, at least twice n_files */
};

/* The entry of (dev, inode), or NULL. */
struct mapped_file *file_set_find(const struct file_set *s, uint64_t dev, uint64_t inode);

/* A new, zeroed entry for (dev, inode), which must not be in s; NULL when
 * out of memory. */
struct mapped_file *file_set_add(struct file_set *s, uint64_t dev, uint64_t inode);

void file_set_free(struct file_set *s);

#endif
