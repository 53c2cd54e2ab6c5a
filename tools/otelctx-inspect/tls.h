/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a thread's otel_thread_ctx_v1 lives. On glibc, resolved by
 * libthread_db (the documented way, also gdb's): this file implements the
 * proc_service callbacks libthread_db calls back into. On musl (x86-64),
 * which has no libthread_db, from the library's TLSDESC descriptor as musl's
 * resolvers read it: a static offset from the thread pointer, or a module id
 * and offset into the thread's DTV.
 */
#ifndef OTELCTX_INSPECT_TLS_H
#define OTELCTX_INSPECT_TLS_H

#include <stdint.h>
#include <sys/types.h>

#include "target.h"
#include "tls_access.h"

/* How to find one object's slot. */
struct slot_location {
    uint64_t link_map;      /* glibc: the object's link_map */
    uint64_t descriptor;    /* musl: its TLSDESC GOT pair; 0: the executable, module 1 */
    uint64_t offset;        /* the slot's offset in the object's TLS block */
    uint64_t tp_offset;     /* without dynamic linker: the slot's offset from the thread
                             * pointer (modulo 2^64: below it on x86-64) */
    /* glibc, x86-64: the slot as the object's TLS relocation reaches it
     * (where its code writes, and the reference reader reads). It is not the
     * object's own definition when another object's interposes it or a copy
     * of otelctx points its descriptor at another copy's slot. */
    int by_relocation;
    struct tls_access access;
};

/* 0, or -1 with the reason in why (neither glibc nor musl on x86-64). */
int tls_open(const struct target *t, char *why, size_t why_len);
void tls_close(void);

/* Fills loc for a loaded object; 0, or with the reason in why: 1 when the
 * object is mapped but not loaded by the dynamic linker (a stray mapping of
 * the file: nothing to read there), -1 when it cannot be located. */
int tls_locate(const struct target *t, const struct loaded_object *object,
               struct slot_location *loc, char *why, size_t why_len);

/*
 * The address of the slot in thread tid, which must be ptrace-stopped (the
 * one the object's relocation reaches when it has one, see by_relocation). 0; 1
 * when the thread has not allocated that module's TLS yet (its slot is NULL
 * by definition); -1 with why on error.
 */
int tls_address(const struct target *t, pid_t tid, const struct slot_location *loc,
                uint64_t *address, char *why, size_t why_len);

#endif
