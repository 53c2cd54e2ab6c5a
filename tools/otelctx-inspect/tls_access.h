/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How one object's slot is reached in any thread, found from the object's
 * relocations and ELF headers (not libthread_db), as the reference reader
 * (the OpenTelemetry eBPF profiler, SPEC-NOTES §5) finds it: the TLS
 * relocation against otel_thread_ctx_v1 names the access model, and the
 * word the dynamic linker wrote for it (a TLSDESC argument, a GOT entry) is
 * read from the target. x86-64 only (variant II: static TLS below the
 * thread pointer, the DTV pointer at thread pointer + 8).
 */
#ifndef OTELCTX_INSPECT_TLS_ACCESS_H
#define OTELCTX_INSPECT_TLS_ACCESS_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"

enum tls_model {
    TLS_MODEL_TLSDESC_STATIC,   /* R_X86_64_TLSDESC resolved to a static offset */
    TLS_MODEL_TLSDESC_DYNAMIC,  /* R_X86_64_TLSDESC resolved to a tls_index */
    TLS_MODEL_INITIAL_EXEC,     /* R_X86_64_TPOFF64: the offset in the GOT */
    TLS_MODEL_LOCAL_EXEC,       /* no relocation, an executable: from PT_TLS */
    TLS_MODEL_GENERAL_DYNAMIC,  /* R_X86_64_DTPMOD64 (+ DTPOFF64): {module, offset} in the GOT */
};

struct tls_access {
    enum tls_model model;
    int dynamic;                 /* 0: slot at thread pointer + tp_offset
                                  * 1: DTV at tp + dtv_pointer_offset, then
                                  *    dtv[module] (dtv_entry bytes each) + offset */
    int64_t tp_offset;
    uint64_t module, offset;
    uint32_t dtv_entry;          /* 16 glibc, 8 musl */
    uint32_t dtv_pointer_offset; /* 8 on x86-64 glibc and musl */
    int slot_only_in_symtab;     /* found in .symtab, not .dynsym */
};

/* "tlsdesc-static", "tlsdesc-dynamic", "initial-exec", "local-exec",
 * "general-dynamic". */
const char *tls_model_name(enum tls_model m);

/* 0 and *out; 1 when the object does not define the slot (absent,
 * undefined, not STT_TLS, or not 8 bytes: the reference reader ignores such
 * a symbol); -1 with why. Reads the target's GOT / TLSDESC words with
 * target_read: call it once the object's relocations are applied. */
int tls_access_locate(const struct target *t, const struct loaded_object *o,
                      struct tls_access *out, char *why, size_t why_len);

/* The slot's address in the thread whose thread pointer is tp: 0; 1 when
 * that thread has not allocated the module's TLS block yet (its slot is NULL
 * by definition); -1 with why when a word read from the target is
 * unreadable or out of bounds. */
int tls_access_address(const struct target *t, const struct tls_access *a, uint64_t tp,
                       uint64_t *address, char *why, size_t why_len);

/* The local-exec offset from the thread pointer of the TLS symbol at
 * st_value of executable f (its PT_TLS, its machine, and whether a dynamic
 * linker or glibc's static start-up lays its block out). 0, or -1 when it
 * has no PT_TLS, the symbol's 8 bytes lie outside it, or its alignment is
 * not a power of two. */
int tls_access_local_exec(const struct elf_file *f, uint64_t st_value, int64_t *tp_offset);

/* Whether the target runs on musl: its libc (also its dynamic linker) is an
 * object whose path names musl and that defines __libc_start_main. */
int tls_access_is_musl(const struct target *t);

#endif
