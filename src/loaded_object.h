/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One ELF object as the dynamic linker loaded it (dl_iterate_phdr), read
 * from memory: where its otel_thread_ctx_v1 is defined, the relocations
 * against it and its TLS image. otelctx_self_check() and the copies of
 * otelctx that meet in one process (copies.c) look at objects this way, as
 * readers do.
 */
#ifndef OTELCTX_LOADED_OBJECT_H
#define OTELCTX_LOADED_OBJECT_H

#include <link.h>
#include <stdbool.h>
#include <stddef.h>

#include "elf_rules.h"

struct otelctx_loaded_object {
    const char *name;              /* "the executable", or the loader's path */
    const char *path;              /* the loader's path ("" for the executable) */
    ElfW(Addr) base;
    bool executable;
    const ElfW(Dyn) *dynamic;      /* NULL: a fully static executable */
    const void *tls_image;         /* PT_TLS initialisation image; NULL: none */
    size_t tls_image_size;         /* its p_filesz */
    void *tls_data;                /* the calling thread's TLS block; NULL: not allocated */
    uintptr_t relro_start, relro_end;
    struct otelctx_elf_view view;  /* the slot's .dynsym entry and the relocations */
};

/* Fills *o from one dl_iterate_phdr entry; the slot found in .dynsym if the
 * object defines or references it. */
void otelctx__loaded_object_read(const struct dl_phdr_info *info,
                                 struct otelctx_loaded_object *o);

/* Whether the object defines otel_thread_ctx_v1 (not only references it). */
bool otelctx__loaded_object_defines_slot(const struct otelctx_loaded_object *o);

/* Where the object's definition of the slot is for the calling thread; NULL
 * when its TLS block is not allocated for this thread (dynamic TLS not yet
 * touched), which means no code has written it from this thread. */
void *otelctx__loaded_object_slot_here(const struct otelctx_loaded_object *o);

/* The TLSDESC descriptors (two words each) through which the object's code
 * reaches the slot: up to max addresses into out, their number returned. */
size_t otelctx__loaded_object_slot_descriptors(const struct otelctx_loaded_object *o,
                                               void **out, size_t max);

/* The object that contains addr, read into *o; false when none does. */
bool otelctx__loaded_object_containing(const void *addr, struct otelctx_loaded_object *o);

#endif
