/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sample command: locate the slot of every object that defines it (as
 * the reference reader does, from relocations and ELF headers), hand the
 * BPF program the offsets, sample for the duration, the process's exit or
 * SIGINT/SIGTERM, whichever comes first, then count and print.
 */
#include "sample.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "code_map.h"
#include "diag.h"
#include "image.h"
#include "interrupt.h"
#include "process_ctx_read.h"
#include "sample_kernel.h"
#include "sample_output.h"
#include "sample_tally.h"
#include "target.h"
#include "tls_access.h"

/* The objects listed, at most: a target can define the slot in any number
 * of them. One past it whose slot is sampled is read all the same (its
 * slot is another's), only not named. */
enum { SAMPLE_MAX_OBJECTS = 4 * SAMPLE_MAX_SLOTS };

struct located {
    struct sample_process map;  /* what the BPF program gets: one entry per distinct slot */
    size_t n_slots;
    struct sampled_object objects[SAMPLE_MAX_OBJECTS];
    size_t n;
};

/* Whether two objects' slots are one: the same place from the thread
 * pointer. An object interposed by another, or a copy of otelctx pointing
 * its descriptor at another's slot, resolves to the same offset or the same
 * module and offset. */
static int same_slot(const struct sample_slot *a, const struct sample_slot *b)
{
    if (a->access != b->access)
        return 0;
    if (a->access == SAMPLE_STATIC)
        return a->tp_offset == b->tp_offset;
    return a->module == b->module && a->offset == b->offset && a->dtv_entry == b->dtv_entry &&
           a->dtv_pointer_offset == b->dtv_pointer_offset;
}

/* The slot of each object defining it; each distinct slot once (the
 * program reads each at every sample: a shared slot read twice would count
 * its records twice), at most SAMPLE_MAX_SLOTS. 0 or an exit code. */
static int locate_slots(const struct target *t, struct located *l)
{
    char why[512];
    size_t distinct = 0;

    memset(l, 0, sizeof(*l));
    for (size_t i = 0; i < t->n_objects; i++) {
        const struct loaded_object *o = &t->objects[i];
        struct tls_access a;
        int found = tls_access_locate(t, o, &a, why, sizeof(why));
        if (found > 0)
            continue;
        if (found < 0) {
            diag("%s", why);
            return EXIT_NO_TLS;
        }
        struct sample_slot s = {
            .access = a.dynamic ? SAMPLE_DYNAMIC : SAMPLE_STATIC,
            .tp_offset = a.tp_offset,
            .module = a.module,
            .offset = a.offset,
            .dtv_entry = a.dtv_entry,
            .dtv_pointer_offset = a.dtv_pointer_offset,
        };
        size_t k = 0;
        while (k < l->n_slots && !same_slot(&l->map.slots[k], &s))
            k++;
        if (k == l->n_slots && distinct++ >= SAMPLE_MAX_SLOTS)
            continue;
        if (k == l->n_slots)
            l->map.slots[l->n_slots++] = s;
        if (l->n < SAMPLE_MAX_OBJECTS)
            l->objects[l->n++] = (struct sampled_object){o->path, tls_model_name(a.model),
                                                         a.slot_only_in_symtab, k};
    }
    if (distinct > SAMPLE_MAX_SLOTS)
        diag("warning: %zu distinct " OTELCTX_SLOT_NAME " slots: the first %d are sampled",
             distinct, SAMPLE_MAX_SLOTS);
    if (l->n == 0) {
        diag("process %d (%s) does not publish thread contexts: no loaded object defines "
             OTELCTX_SLOT_NAME, (int)t->pid, t->comm);
        return EXIT_NO_OTELCTX;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int on_event(void *arg, void *event, size_t size)
{
    tally_add(arg, event, size);
    return 0;
}

enum sampling_end { ENDED_TIME, ENDED_EXIT, ENDED_SIGNAL, ENDED_ERROR };

/* Takes the ring buffer's events as they come until the duration is over,
 * the process exits (its pidfd polls readable) or a signal asks to end. */
static enum sampling_end sample_until(struct sample_kernel *k, int pidfd, double seconds)
{
    int64_t deadline = now_ms() + (int64_t)(seconds * 1000 + 0.5);
    struct pollfd fds[3] = {{sample_kernel_fd(k), POLLIN, 0},
                            {pidfd, POLLIN, 0},
                            {interrupt_fd(), POLLIN, 0}};

    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return ENDED_TIME;
        int n = poll(fds, 3, left > 1000 ? 1000 : (int)left);
        if (n < 0 && errno != EINTR) {
            diag("poll: %s", strerror(errno));
            return ENDED_ERROR;
        }
        if (sample_kernel_consume(k) != 0) {
            diag("reading the ring buffer: %s", strerror(errno));
            return ENDED_ERROR;
        }
        if (interrupt_signal() != 0)
            return ENDED_SIGNAL;
        if (n > 0 && fds[1].revents != 0)
            return ENDED_EXIT;
    }
}

static void read_ctx(const struct target *t, struct process_ctx *ctx)
{
    char why[256];

    if (process_ctx_read(t, ctx, why, sizeof(why)) != 0)
        diag("warning: %s", why);
}

struct session {
    struct target t;
    struct located slots;
    struct code_map code;
    struct tally tally;
    struct process_ctx ctx, ctx_after;
    struct sample_kernel kernel;
};

static int sample_target(struct session *s, const struct sample_options *o, int pidfd)
{
    struct image before, after;
    char why[512];
    int have_image = image_of(o->pid, &before) == 0;
    int ret = target_open(&s->t, o->pid);

    if (ret == 0)
        ret = locate_slots(&s->t, &s->slots);
    if (ret != 0 && ret != EXIT_GONE && target_exited(o->pid)) {
        /* What a process being torn down looked like (no slot, refused
         * files) is noise: it exited. */
        diag_drop();
        diag("process %d exited while it was read", (int)o->pid);
        return EXIT_GONE;
    }
    if (ret != 0)
        return ret;
    read_ctx(&s->t, &s->ctx);
    if (code_map_build(&s->code, &s->t) != 0) {
        diag("out of memory");
        return EXIT_GONE;
    }
    tally_init(&s->tally, &s->code);
    /* From here a signal wakes the loop below instead of ending the tool
     * at once: the links are torn down and what was sampled printed. */
    interrupt_tracing_begin();
    if (sample_kernel_start(&s->kernel, o->pid, &s->slots.map, o->hz, on_event, &s->tally, why,
                            sizeof(why)) != 0) {
        interrupt_tracing_end();
        diag("%s", why);
        return EXIT_NO_BPF;
    }
    /* Said once the perf events are on: a caller can act on the process
     * from this line on and know it is sampled. */
    diag("sampling process %d (%s) at %u Hz for %g s", (int)o->pid, s->t.comm, o->hz, o->seconds);
    diag_flush();
    enum sampling_end end = sample_until(&s->kernel, pidfd, o->seconds);
    sample_kernel_stop(&s->kernel);
    sample_kernel_consume(&s->kernel);
    interrupt_tracing_end();
    /* The grace alarm of a signal guards a stuck tracer; the links are
     * gone already and printing is left. */
    alarm(0);
    if (end == ENDED_ERROR)
        return EXIT_NO_BPF;
    int exited = end == ENDED_EXIT || target_exited(o->pid);
    /* The process context at the end when it is still there (a process may
     * publish its key map after it started), else the one of the start. */
    if (!exited) {
        read_ctx(&s->t, &s->ctx_after);
        if (s->ctx_after.present)
            s->ctx = s->ctx_after;
        if (have_image && image_of(o->pid, &after) == 0 && !image_same(&before, &after))
            diag("warning: process %d executed a new program while sampled: the later samples "
                 "were read at the old program's slot", (int)o->pid);
    }
    uint64_t dropped = sample_kernel_dropped(&s->kernel);
    if (dropped > 0)
        diag("warning: %llu samples dropped: the ring buffer was full",
             (unsigned long long)dropped);
    if (s->tally.over_cap > 0)
        diag("warning: more than %d distinct records: %llu samples of further ones are counted, "
             "not listed", TALLY_MAX_RECORDS, (unsigned long long)s->tally.over_cap);
    if (exited)
        diag("process %d exited while it was sampled", (int)o->pid);
    diag_flush();
    tally_sort(&s->tally);
    struct sample_result r = {&s->t, &s->ctx, s->slots.objects, s->slots.n, s->slots.n_slots,
                              &s->tally, o->hz, o->seconds, dropped};
    if (o->json)
        sample_print_json(stdout, &r);
    else
        sample_print_text(stdout, &r);
    fflush(stdout);
    if (end == ENDED_SIGNAL)
        return 128 + interrupt_signal();
    return exited ? EXIT_GONE : 0;
}

int sample_run(const struct sample_options *o)
{
    /* The pidfd first: the process it names cannot be replaced by another
     * with a recycled PID, and it polls readable when every thread exited. */
    int pidfd = (int)syscall(SYS_pidfd_open, o->pid, 0);
    if (pidfd < 0 && errno == ESRCH) {
        fprintf(stderr, "otelctx-inspect: no process %d\n", (int)o->pid);
        return EXIT_GONE;
    }
    if (pidfd < 0) {
        fprintf(stderr, "otelctx-inspect: pidfd_open of process %d: %s\n", (int)o->pid,
                strerror(errno));
        return EXIT_GONE;
    }
    struct session *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        close(pidfd);
        fprintf(stderr, "otelctx-inspect: out of memory\n");
        return EXIT_GONE;
    }
    int ret = sample_target(s, o, pidfd);
    diag_flush();
    sample_kernel_close(&s->kernel);
    tally_free(&s->tally);
    code_map_free(&s->code);
    target_close(&s->t);
    free(s);
    close(pidfd);
    return ret;
}
