/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The profiler's reader, for `otelctx-inspect sample`: at each perf-event
 * sample of a thread of a process listed in `processes`, follow the thread
 * pointer (task_struct's thread.fsbase, x86-64) to every slot user space
 * located, read the record as the eBPF profiler does (the 28-byte header,
 * then attrs_data_size bytes) and hand it to user space in `events`.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "sample_event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, struct sample_process);
} processes SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4 << 20);
} events SEC(".maps");

/* Samples the ring buffer had no room for: user space reports them. */
__u64 dropped = 0;

/* The PID namespace of the tool (device and inode of /proc/self/ns/pid),
 * set before loading: the target's tgid is the one the tool was given,
 * also when the tool runs in a container's namespace. */
const volatile __u64 pidns_dev = 0;
const volatile __u64 pidns_ino = 0;

/* The slot's address in this thread, or 0 when the DTV cannot be read. A
 * DTV block not yet allocated (NULL, or glibc's TLS_DTV_UNALLOCATED, -1)
 * gives 0 or an address the slot read then fails at: unreadable either way. */
static __u64 slot_address(const struct sample_slot *s, __u64 tp)
{
    __u64 dtv, block;

    if (s->access == SAMPLE_STATIC)
        return tp + (__u64)s->tp_offset;
    if (bpf_probe_read_user(&dtv, sizeof(dtv), (void *)(tp + s->dtv_pointer_offset)) != 0 ||
        bpf_probe_read_user(&block, sizeof(block), (void *)(dtv + s->module * s->dtv_entry)) != 0 ||
        block == 0)
        return 0;
    return block + s->offset;
}

static void sample_slot(const struct sample_slot *s, __u32 index, __u32 tid, __u64 tp, __u64 ip)
{
    struct sample_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    __u64 slot, record = 0;

    if (e == NULL) {
        __sync_fetch_and_add(&dropped, 1);
        return;
    }
    e->ip = ip;
    e->tid = tid;
    e->slot = index;
    e->size = 0;
    slot = slot_address(s, tp);
    if (slot == 0 || bpf_probe_read_user(&record, sizeof(record), (void *)slot) != 0) {
        e->class = SAMPLE_UNREADABLE;
    } else if (record == 0) {
        e->class = SAMPLE_NULL;
    } else if (bpf_probe_read_user(e->record, SAMPLE_HEADER, (void *)record) != 0) {
        e->class = SAMPLE_UNREADABLE;
    } else if (e->record[24] != 1) {
        e->class = SAMPLE_INVALID;
    } else {
        __u32 attrs = e->record[26] | (__u32)e->record[27] << 8;
        if (attrs > SAMPLE_RECORD_MAX - SAMPLE_HEADER)
            attrs = SAMPLE_RECORD_MAX - SAMPLE_HEADER;
        e->class = SAMPLE_VALID;
        e->size = SAMPLE_HEADER + attrs;
        if (attrs > 0 && bpf_probe_read_user(e->record + SAMPLE_HEADER, attrs,
                                             (void *)(record + SAMPLE_HEADER)) != 0)
            e->class = SAMPLE_UNREADABLE;
    }
    bpf_ringbuf_submit(e, 0);
}

SEC("perf_event")
int sample(void *ctx)
{
    struct bpf_pidns_info ids;
    struct sample_process *p;
    struct task_struct *task;
    struct pt_regs *user;
    __u64 tp, ip;

    /* Fails for a task outside the namespace: not the target's. */
    if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ids, sizeof(ids)) != 0)
        return 0;
    p = bpf_map_lookup_elem(&processes, &ids.tgid);
    if (p == NULL)
        return 0;
    task = bpf_get_current_task_btf();
    tp = BPF_CORE_READ(task, thread.fsbase);
    /* The registers saved at the kernel's entry: the user instruction
     * pointer even when the sample lands in a system call. */
    user = (struct pt_regs *)bpf_task_pt_regs(task);
    ip = BPF_CORE_READ(user, ip);
    for (__u32 i = 0; i < SAMPLE_MAX_SLOTS; i++)
        if (p->slots[i].access != 0)
            sample_slot(&p->slots[i], i, ids.pid, tp, ip);
    return 0;
}
