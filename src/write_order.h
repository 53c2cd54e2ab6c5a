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

#endif
