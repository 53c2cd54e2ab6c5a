/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otelctx-inspect sample: the profiler's view of a process. Its threads are
 * sampled while they run (perf events), and at each sample a BPF program
 * reads the thread's slot and record as the eBPF profiler does; the records
 * found are counted and printed like a profiler's top view.
 */
#ifndef OTELCTX_INSPECT_SAMPLE_H
#define OTELCTX_INSPECT_SAMPLE_H

#include <sys/types.h>

/* The exit status when BPF or perf events are not permitted, or the kernel
 * has no BTF (or this build has no sampler). */
enum { EXIT_NO_BPF = 8 };

enum { SAMPLE_DEFAULT_HZ = 999, SAMPLE_MAX_HZ = 100000, SAMPLE_MAX_SECONDS = 3600 };
#define SAMPLE_DEFAULT_SECONDS 5.0

struct sample_options {
    pid_t pid;
    unsigned hz;
    double seconds;
    int json;
};

/* Samples, prints, and returns the exit status (0, 2, 3, 4, 5, 8, 128 + N). */
int sample_run(const struct sample_options *o);

#endif
