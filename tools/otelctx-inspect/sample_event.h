/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the BPF sampler (sample.bpf.c) and its user side share: where a
 * process's slots are, and what one sample found. Fixed-width types only,
 * so the BPF target and the host lay them out the same way.
 */
#ifndef OTELCTX_INSPECT_SAMPLE_EVENT_H
#define OTELCTX_INSPECT_SAMPLE_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum { SAMPLE_MAX_SLOTS = 8, SAMPLE_RECORD_MAX = 640, SAMPLE_HEADER = 28 };

/* How one object's slot is reached from the thread pointer. */
enum sample_access {
    SAMPLE_STATIC = 1,   /* tp + tp_offset */
    SAMPLE_DYNAMIC = 2,  /* the DTV pointer at tp + dtv_pointer_offset, then
                          * dtv[module] (dtv_entry bytes each) + offset */
};

struct sample_slot {
    __u32 access;        /* enum sample_access; 0: unused entry */
    __u32 dtv_entry;     /* 16 on glibc, 8 on musl */
    __u32 dtv_pointer_offset; /* 8 on x86-64 glibc and musl */
    __u32 pad;
    __s64 tp_offset;
    __u64 module;
    __u64 offset;
};

/* The value of the per-process map, keyed by tgid. */
struct sample_process {
    struct sample_slot slots[SAMPLE_MAX_SLOTS];
};

enum sample_class {
    SAMPLE_NULL = 0,
    SAMPLE_INVALID = 1,     /* valid != 1: mid-update (the profiler reads any
                             * nonzero value as valid; the OTEP says exactly 1) */
    SAMPLE_UNREADABLE = 2,  /* thread pointer, DTV, slot or record not readable */
    SAMPLE_VALID = 3,
};

struct sample_event {
    __u64 ip;               /* the user instruction pointer at the sample */
    __u32 tid;
    __u32 slot;             /* index into sample_process.slots */
    __u32 class;            /* enum sample_class */
    __u32 size;             /* bytes of record used: 28 + attrs_data_size, capped */
    __u8 record[SAMPLE_RECORD_MAX];
};

#endif
