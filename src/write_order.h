/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writer-side ordering, in one place.
 *
 * A reader only looks at a thread while that thread is stopped or interrupted
 * (signal-handler semantics), and only the owning thread writes its slot and
 * its attached record. The CPU therefore already shows the reader the stores
 * in program order; what must be prevented is the compiler reordering,
 * merging or splitting them. Signal fences do the first, single-copy atomic
 * stores (plain movs, no lock prefix) the second.
 */
#ifndef OTELCTX_WRITE_ORDER_H
#define OTELCTX_WRITE_ORDER_H

#include <stdatomic.h>

#include "otelctx.h"

/* The slot is written only by its own thread, so a plain load is current. */
static inline otelctx_record *slot_load(otelctx_record **slot)
{
    return __atomic_load_n(slot, __ATOMIC_RELAXED);
}

/* Swap style: the record is complete before its address becomes visible. */
static inline void slot_store(otelctx_record **slot, otelctx_record *record)
{
    atomic_signal_fence(memory_order_seq_cst);
    __atomic_store_n(slot, record, __ATOMIC_RELAXED);
}

/* In-place style, step 1: readers skip the record before any field changes. */
static inline void record_begin_write(otelctx_record *record)
{
    __atomic_store_n(&record->valid, 0, __ATOMIC_RELAXED);
    atomic_signal_fence(memory_order_seq_cst);
}

/* In-place style, step 3: every field, the size included, lands before valid. */
static inline void record_end_write(otelctx_record *record)
{
    atomic_signal_fence(memory_order_seq_cst);
    __atomic_store_n(&record->valid, 1, __ATOMIC_RELAXED);
}

/*
 * The writer guard: one byte per thread, 1 from before a writer reads or
 * writes anything of a record until after its last store. A writer called
 * by a signal handler that interrupted another writer of the same thread
 * finds 1 and returns -EBUSY having touched nothing. The check and the set
 * are two instructions, and that is enough: a handler that runs between
 * them runs to completion (setting and clearing the byte itself) before the
 * interrupted writer has read anything, so the two calls are simply one
 * after the other. Only the thread itself and its handlers use the byte, so
 * signal fences order it against the record's loads and stores.
 */
static inline int writer_enter(unsigned char *writing)
{
    /* Plain accesses: the fences keep the compiler from moving or merging
     * them past the record's accesses, and a byte is stored whole; plain,
     * the load folds into the compare. */
    if (__builtin_expect(*writing != 0, 0))
        return 1;
    *writing = 1;
    atomic_signal_fence(memory_order_seq_cst);
    return 0;
}

/* After the writer's last store: a handler from here on sees a whole write. */
static inline void writer_leave(unsigned char *writing)
{
    atomic_signal_fence(memory_order_seq_cst);
    *writing = 0;
}

#endif
