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

enum record_state {
    RECORD_NULL,          /* the slot holds NULL (or was never allocated) */
    RECORD_INVALID,       /* valid != 1: the thread was mid-update */
    RECORD_VALID,
    RECORD_UNREADABLE,    /* the slot points at memory that cannot be read */
    RECORD_UNSTOPPABLE,   /* not read: no ptrace stop within the deadline */
    RECORD_TRACED,        /* not read: another process traces the thread */
};

struct thread_record {
    pid_t tid;
    char name[16];        /* /proc/PID/task/TID/comm (the runtime's thread name); "" unknown */
    enum record_state state;
    pid_t tracer;         /* RECORD_TRACED: the tracing process */
    uint64_t address;     /* the record's address in the target (the slot's value) */
    uint64_t slot_address; /* where the slot is in this thread; 0: not resolved */
    otelctx_record record;
};

struct slot_object {
    const struct loaded_object *object;
    struct slot_location location;
    struct thread_record *threads;
    size_t n_threads;
    size_t slot;          /* its distinct slot: objects with the same one share it */
};

struct snapshot {
    struct process_ctx ctx;
    struct slot_object *slots;
    size_t n_slots;
    size_t n_distinct;    /* distinct slots: slot_object.slot < n_distinct */
    size_t n_unstoppable, n_traced, n_untraceable; /* threads listed but not read */
};

/* Fills s; 0 or an exit code (after printing the reason), 128 + N when
 * signal N ended the reading. On error nothing is left to free. */
int snapshot_take(const struct target *t, struct snapshot *s);
void snapshot_free(struct snapshot *s);

/* Whether the thread's slot held a record (a non-NULL value), valid or not. */
int thread_record_published(const struct thread_record *r);

/* Whether slot object i is the first of its distinct slot (the one whose
 * reading stands for the slot: the others read the same memory). */
int snapshot_first_of_slot(const struct snapshot *s, size_t i);

/* Threads listed but not read (each counted once, whatever the objects). */
size_t snapshot_not_read(const struct snapshot *s);

#endif
