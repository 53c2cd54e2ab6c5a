/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Perf events the profiler's way: a cpu-clock software event per CPU at the
 * requested frequency, the program attached to each, the target chosen in
 * the program by its tgid. Unlike one event per thread, a thread the target
 * creates while sampled is sampled from its first instruction, without
 * watching /proc/PID/task; and a sample lands only where a thread of the
 * target runs, which is what a profiler attributes. The cost is that every
 * process's samples run the program, which returns after one map lookup.
 */
#include "sample_kernel.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sample.skel.h"

static const char kernel_btf[] = "/sys/kernel/btf/vmlinux";

/* libbpf's own messages (verifier logs, probes) would make more than the
 * one line a refusal is reported with. */
static int quiet(enum libbpf_print_level level, const char *format, va_list ap)
{
    (void)level;
    (void)format;
    (void)ap;
    return 0;
}

static int refused(int err)
{
    return err == EPERM || err == EACCES;
}

/* The kernel's limit on sample_freq, or 0 when it cannot be read. */
static long max_sample_rate(void)
{
    FILE *f = fopen("/proc/sys/kernel/perf_event_max_sample_rate", "r");
    long rate = 0;

    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld", &rate) != 1)
        rate = 0;
    fclose(f);
    return rate;
}

static int open_cpu_clock(int cpu, unsigned hz)
{
    struct perf_event_attr attr = {
        .type = PERF_TYPE_SOFTWARE,
        .size = sizeof(attr),
        .config = PERF_COUNT_SW_CPU_CLOCK,
        .freq = 1,
        .sample_freq = hz,
    };

    return (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Opens and attaches a perf event per online CPU; 0 or -1 with why. */
static int attach_cpus(struct sample_kernel *k, unsigned hz, char *why, size_t why_len)
{
    int attached = 0;

    for (int cpu = 0; cpu < k->n_cpus; cpu++) {
        int fd = open_cpu_clock(cpu, hz);
        if (fd < 0 && errno == ENODEV)
            continue; /* a possible CPU that is offline */
        if (fd < 0) {
            int err = errno;
            if (refused(err))
                snprintf(why, why_len, "perf events are not permitted: perf_event_open: %s "
                         "(needs root or CAP_PERFMON, or kernel.perf_event_paranoid <= 0)",
                         strerror(err));
            else
                snprintf(why, why_len, "cannot open a cpu-clock perf event at %u Hz on CPU %d: %s",
                         hz, cpu, strerror(err));
            return -1;
        }
        k->perf_fds[cpu] = fd;
        k->links[cpu] = bpf_program__attach_perf_event(k->skel->progs.sample, fd);
        if (k->links[cpu] == NULL) {
            int err = errno;
            snprintf(why, why_len, "%s: attaching the BPF program to a perf event: %s",
                     refused(err) ? "BPF is not permitted" : "the kernel refused the sampler",
                     strerror(err));
            return -1;
        }
        attached++;
    }
    if (attached == 0) {
        snprintf(why, why_len, "perf events: no online CPU accepted a cpu-clock event");
        return -1;
    }
    return 0;
}

int sample_kernel_start(struct sample_kernel *k, pid_t pid, const struct sample_process *slots,
                        unsigned hz, sample_event_fn fn, void *arg, char *why, size_t why_len)
{
    __u32 key = (__u32)pid;
    long max_rate = max_sample_rate();

    memset(k, 0, sizeof(*k));
    libbpf_set_print(quiet);
    if (access(kernel_btf, R_OK) != 0) {
        snprintf(why, why_len, "the kernel has no BTF: %s: %s (needs CONFIG_DEBUG_INFO_BTF)",
                 kernel_btf, strerror(errno));
        return -1;
    }
    if (max_rate > 0 && hz > max_rate) {
        snprintf(why, why_len, "perf events are not permitted at %u Hz: the kernel allows at most "
                 "%ld (kernel.perf_event_max_sample_rate)", hz, max_rate);
        return -1;
    }
    struct stat pidns;
    if (stat("/proc/self/ns/pid", &pidns) != 0) {
        snprintf(why, why_len, "cannot see the tool's PID namespace: /proc/self/ns/pid: %s",
                 strerror(errno));
        return -1;
    }
    k->skel = sample_bpf__open();
    if (k->skel != NULL) {
        k->skel->rodata->pidns_dev = pidns.st_dev;
        k->skel->rodata->pidns_ino = pidns.st_ino;
    }
    if (k->skel == NULL || sample_bpf__load(k->skel) != 0) {
        int err = errno;
        snprintf(why, why_len, "%s: loading the BPF program: %s",
                 refused(err) ? "BPF is not permitted (needs root, or CAP_BPF and CAP_PERFMON)"
                              : "the kernel refused the sampler",
                 strerror(err));
        return -1;
    }
    if (bpf_map__update_elem(k->skel->maps.processes, &key, sizeof(key), slots, sizeof(*slots),
                             BPF_ANY) != 0) {
        snprintf(why, why_len, "BPF: cannot fill the sampler's process map: %s", strerror(errno));
        return -1;
    }
    k->ring = ring_buffer__new(bpf_map__fd(k->skel->maps.events), fn, arg, NULL);
    if (k->ring == NULL) {
        snprintf(why, why_len, "BPF: cannot open the sampler's ring buffer: %s", strerror(errno));
        return -1;
    }
    k->n_cpus = libbpf_num_possible_cpus();
    if (k->n_cpus <= 0) {
        snprintf(why, why_len, "cannot count the CPUs: %s", strerror(-k->n_cpus));
        k->n_cpus = 0;
        return -1;
    }
    k->perf_fds = malloc((size_t)k->n_cpus * sizeof(*k->perf_fds));
    k->links = calloc((size_t)k->n_cpus, sizeof(*k->links));
    if (k->perf_fds == NULL || k->links == NULL) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    for (int cpu = 0; cpu < k->n_cpus; cpu++)
        k->perf_fds[cpu] = -1;
    return attach_cpus(k, hz, why, why_len);
}

int sample_kernel_fd(const struct sample_kernel *k)
{
    return ring_buffer__epoll_fd(k->ring);
}

int sample_kernel_consume(struct sample_kernel *k)
{
    int n = ring_buffer__consume(k->ring);
    return n < 0 ? n : 0;
}

void sample_kernel_stop(struct sample_kernel *k)
{
    for (int cpu = 0; cpu < k->n_cpus; cpu++) {
        if (k->links != NULL && k->links[cpu] != NULL) {
            bpf_link__destroy(k->links[cpu]);
            k->links[cpu] = NULL;
        }
        if (k->perf_fds != NULL && k->perf_fds[cpu] >= 0) {
            close(k->perf_fds[cpu]);
            k->perf_fds[cpu] = -1;
        }
    }
}

uint64_t sample_kernel_dropped(const struct sample_kernel *k)
{
    return k->skel != NULL ? k->skel->bss->dropped : 0;
}

void sample_kernel_close(struct sample_kernel *k)
{
    sample_kernel_stop(k);
    ring_buffer__free(k->ring);
    sample_bpf__destroy(k->skel);
    free(k->perf_fds);
    free(k->links);
    memset(k, 0, sizeof(*k));
}
