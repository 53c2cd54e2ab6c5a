/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copies of otelctx in one process (two extensions that each embed
 * libotelctx.a, an executable linking it beside libotelctx.so, ...) behave
 * as one: the first copy the dynamic linker loaded owns the slot, the key
 * map and the process context, and every other copy joins it.
 *
 * A copy finds the others without any symbol of its own in the dynamic
 * symbol table: every copy's TLS block (shim/tls_slot.c) begins with the
 * exported otel_thread_ctx_v1 and carries, in its initialisation image, a
 * magic number and the address of the copy's struct otelctx_copy. So any
 * loaded object whose otel_thread_ctx_v1 is followed by the magic is a copy,
 * and an executable that exports the slot for readers (which it must) is
 * found too. The struct below is the interface between copies of different
 * builds and versions: its layout changes only with OTELCTX_COPY_ABI, and
 * copies of different ABIs do not join (otelctx_self_check() names them).
 */
#ifndef OTELCTX_COPIES_H
#define OTELCTX_COPIES_H

#include <stdatomic.h>
#include <stdint.h>

#include "otelctx.h"

#define OTELCTX_COPY_ABI 1
/* In the TLS image right after the guard word: "otelctx" and the ABI. */
#define OTELCTX_COPY_MAGIC "otelctx\001"

struct otelctx_copy;
typedef void (*otelctx_key_fn)(uint8_t index, const char *name, void *arg);

/* What a copy does for the copies that joined it (all but slot and
 * own_block act on the owner's state; caller identifies the copy asking). */
struct otelctx_copy_ops {
    /* The calling thread's slot, as this copy's code reaches it. */
    otelctx_record **(*slot)(void);
    /* The calling thread's block of this copy: its slot, then its guard. */
    otelctx_record **(*own_block)(void);
    int (*key_index)(const char *name);
    size_t (*key_map)(const char *const **names);
    int (*key_listener)(const struct otelctx_copy *caller, otelctx_key_fn on_key, void *arg);
    int (*process_publish)(const struct otelctx_copy *caller, const otelctx_kv *resource,
                           size_t n_resource);
    int (*process_unpublish)(const struct otelctx_copy *caller);
    int (*process_external)(const struct otelctx_copy *caller);
    void (*process_ensure)(void);
};

struct otelctx_copy {
    uint32_t abi;                                  /* OTELCTX_COPY_ABI */
    uint32_t size;                                 /* sizeof(struct otelctx_copy) */
    /* The copy this one follows: NULL until a copy elects, then the owner
     * (itself for the owner). Set once, by compare-and-swap, by this copy or
     * by a later one electing it. */
    _Atomic(struct otelctx_copy *) owner;
    const struct otelctx_copy_ops *ops;
};

/* This copy. */
extern struct otelctx_copy otelctx__copy;

/* The copy whose state this one uses (this one, or the owner it joined);
 * elects on first use. */
struct otelctx_copy *otelctx__owner(void);

/* One line naming every other object defining otel_thread_ctx_v1 whose slot
 * is not shared with this copy's, or that is not a joined copy: -EEXIST;
 * otherwise 0, with the joined copies named (why may then be empty). */
int otelctx__copies_check(char *why, size_t why_len);

#endif
