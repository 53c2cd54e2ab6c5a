/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel half of `otelctx-inspect sample`: the BPF program of
 * sample.bpf.c loaded from its skeleton, one process's slots in its map,
 * attached to a cpu-clock perf event on every CPU, its ring buffer read
 * here.
 */
#ifndef OTELCTX_INSPECT_SAMPLE_KERNEL_H
#define OTELCTX_INSPECT_SAMPLE_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sample_event.h"

struct sample_kernel {
    struct sample_bpf *skel;
    struct ring_buffer *ring;
    int *perf_fds;              /* one per possible CPU, -1 where none */
    struct bpf_link **links;
    int n_cpus;
};

/* Called for each event of the ring buffer (a struct sample_event). */
typedef int (*sample_event_fn)(void *arg, void *event, size_t size);

/* Loads the program, gives it process pid's slots and starts sampling at hz
 * on every CPU. 0, or -1 with why: one line naming what the kernel did not
 * permit or lacks (BPF, perf events, BTF). */
int sample_kernel_start(struct sample_kernel *k, pid_t pid, const struct sample_process *slots,
                        unsigned hz, sample_event_fn fn, void *arg, char *why, size_t why_len);

/* A descriptor that polls readable when events wait in the ring buffer. */
int sample_kernel_fd(const struct sample_kernel *k);

/* Hands every waiting event to fn; 0 or -errno. */
int sample_kernel_consume(struct sample_kernel *k);

/* Detaches the program from every perf event and closes them: no sample
 * after this returns; what is in the ring buffer can still be consumed. */
void sample_kernel_stop(struct sample_kernel *k);

/* The samples the ring buffer had no room for. */
uint64_t sample_kernel_dropped(const struct sample_kernel *k);

/* Stops and unloads everything; safe after any result of start. */
void sample_kernel_close(struct sample_kernel *k);

#endif
