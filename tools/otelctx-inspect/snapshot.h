/* SPDX-License-Identifier: Apache-2.0 */
/* One reading of every thread's record, per object exporting the slot. */
#ifndef OTELCTX_INSPECT_SNAPSHOT_H
#define OTELCTX_INSPECT_SNAPSHOT_H

#include <stdint.h>
#include <sys/types.h>

#include "otelctx.h"
#include "process_ctx_read.h"
#include "target.h"
#include "tls.h"

enum { MAX_THREADS = 4096, MAX_SLOT_OBJECTS = 8 };

enum record_state {
    RECORD_NULL,          /* the slot holds NULL (or was never allocated) */
    RECORD_INVALID,       /* valid != 1: the thread was mid-update */
    RECORD_VALID,
    RECORD_UNREADABLE,    /* the slot points at memory that cannot be read */
};

struct thread_record {
    pid_t tid;
    enum record_state state;
    uint64_t address;     /* the record's address in the target */
    otelctx_record record;
};

struct slot_object {
    const struct loaded_object *object;
    struct slot_location location;
    struct thread_record *threads;
    size_t n_threads;
};

struct snapshot {
    struct process_ctx ctx;
    struct slot_object slots[MAX_SLOT_OBJECTS];
    size_t n_slots;
};

/* Fills s; 0 or an exit code (after printing the reason). */
int snapshot_take(const struct target *t, struct snapshot *s);
void snapshot_free(struct snapshot *s);

#endif
